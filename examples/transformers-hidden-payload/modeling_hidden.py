import base64

from transformers import PreTrainedModel

from .configuration_hidden import HiddenConfig
from .setup_utils import prepare

# Decoded and executed at import time: the code that runs is not the code a reader sees.
exec(base64.b64decode("cHJpbnQoInRydXN0c2NhbiBkZW1vOiB0aGlzIGxpbmUgd291bGQgcnVuIHdoZW4gdGhlIG1vZGVsIGxvYWRzIik="))


class HiddenModel(PreTrainedModel):
    config_class = HiddenConfig

    def __init__(self, config):
        super().__init__(config)
        prepare(config)

    def export_legacy(self, path):
        import pickle

        with open(path, "rb") as f:
            return pickle.load(f)
