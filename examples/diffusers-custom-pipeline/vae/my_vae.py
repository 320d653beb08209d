import torch


class DemoVAE:
    pass
