import torch


class DemoEncoder:
    pass
