from transformers import PretrainedConfig


class HiddenConfig(PretrainedConfig):
    pass
