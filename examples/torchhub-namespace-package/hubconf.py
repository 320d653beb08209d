dependencies = ["torch"]
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "third_party"))
from nets.resnet import resnet18
import vendored_ops


def tiny(pretrained=False):
    return resnet18()
