import torch


def generate(model, **kwargs):
    return model
