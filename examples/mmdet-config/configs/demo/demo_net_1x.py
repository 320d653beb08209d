_base_ = ['../_base_/models/demo_net.py', '../_base_/default_runtime.py']
custom_imports = dict(imports=['projects.demo.hooks'], allow_failed_imports=False)
load_from = 'https://download.example.org/demo_net_1x.pth'
