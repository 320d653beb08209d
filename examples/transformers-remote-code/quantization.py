import torch


def quantize(weight, bits):
    return weight
