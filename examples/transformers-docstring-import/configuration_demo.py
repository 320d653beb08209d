from transformers import PretrainedConfig


class DemoConfig(PretrainedConfig):
    pass
