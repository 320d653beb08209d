import torch


class Backbone:
    pass
