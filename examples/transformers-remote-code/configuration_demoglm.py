from transformers import PretrainedConfig


class DemoGLMConfig(PretrainedConfig):
    pass
