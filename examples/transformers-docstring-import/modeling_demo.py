"""Demo model.

For visualisation, load the helper:
    from .plotting import draw
"""
from .configuration_demo import DemoConfig


class DemoModel:
    pass
