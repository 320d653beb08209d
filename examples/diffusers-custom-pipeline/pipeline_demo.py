import torch
from diffusers import DiffusionPipeline


class DemoPipeline(DiffusionPipeline):
    pass
