from transformers import PretrainedConfig


class RWConfig(PretrainedConfig):
    pass
