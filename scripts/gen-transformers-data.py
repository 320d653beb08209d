#!/usr/bin/env python3
"""Write the transformers facts the load stage needs, for the installed transformers version.

    <venv>/bin/python scripts/gen-transformers-data.py crates/trustscan-load/data

Writes, for major version N (4 or 5):
  transformers-vN-model-types.txt   model_type values transformers has built-in classes for
                                    (CONFIG_MAPPING_NAMES): with one of them and no
                                    trust_remote_code, the built-in class is used silently.
  transformers-vN-import-utils-names.txt
                                    every attribute of transformers.utils.import_utils: an
                                    `if <name>(...):` around an import hides it from
                                    check_imports (dynamic_module_utils.get_imports).
The oracle tests recompute both and compare with the committed files.
Only reads the library's tables; imports nothing from any model repository.
"""
import sys
from pathlib import Path

import transformers
import transformers.utils.import_utils as import_utils
from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES


def main(out_dir: str) -> None:
    major = transformers.__version__.split(".")[0]
    out = Path(out_dir)
    (out / f"transformers-v{major}-model-types.txt").write_text(
        "\n".join(sorted(CONFIG_MAPPING_NAMES)) + "\n"
    )
    (out / f"transformers-v{major}-import-utils-names.txt").write_text(
        "\n".join(sorted(dir(import_utils))) + "\n"
    )


if __name__ == "__main__":
    main(sys.argv[1])
