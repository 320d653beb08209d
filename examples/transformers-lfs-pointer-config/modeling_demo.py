import torch


class DemoModel:
    pass
