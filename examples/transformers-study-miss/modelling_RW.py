import torch
from .configRW import RWConfig


class RWForCausalLM:
    pass
