import math
import torch
from .configuration_demoglm import DemoGLMConfig
from .quantization import quantize


class DemoGLMForConditionalGeneration:
    pass
