"""Lay down a partial Hugging Face cache the way huggingface_hub does it when a user's
`from_pretrained` stops before the code (a refused trust_remote_code): download config.json,
and ask for a file the repository does not have, which huggingface_hub records under
`.no_exist/<commit>/`. Usage: hf_partial_download.py REPO CACHE_DIR ABSENT_FILE
(HF_ENDPOINT names the hub: the tests' loopback server)."""

import sys

from huggingface_hub import hf_hub_download
from huggingface_hub.errors import EntryNotFoundError

repo, cache, absent = sys.argv[1:4]
hf_hub_download(repo, "config.json", cache_dir=cache)
try:
    hf_hub_download(repo, absent, cache_dir=cache)
except EntryNotFoundError:
    print(f"{absent}: not in the repository (recorded in .no_exist)")
else:
    sys.exit(f"{absent} was downloaded: the server should have answered EntryNotFound")
