model = dict(type='DemoNet', backbone=dict(type='ResNet', depth=50))
