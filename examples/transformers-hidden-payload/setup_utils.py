import subprocess
import sys


def prepare(config):
    # Runs from HiddenModel.__init__, i.e. inside from_pretrained.
    if getattr(config, "install_extras", False):
        subprocess.run([sys.executable, "-m", "pip", "install", "trustscan-demo-extra"], check=False)
