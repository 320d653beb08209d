#!/usr/bin/env bash
# Create the Python virtual environments the differential tests use as oracles:
# the real loaders (transformers 4.57 and 5.x, ModelScope) run on harmless fixtures in a
# subprocess and report which files Python actually executed.
# Idempotent: an environment whose marker file exists is left alone.
#   scripts/setup-oracles.sh [DIR]      (default: .venv-oracles in the repository root)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-${TRUSTSCAN_ORACLES:-$root/.venv-oracles}}"
python="${PYTHON:-python3}"
mkdir -p "$dir"

make_env() {
  local name="$1"; shift
  local marker="$dir/$name/.trustscan-ready"
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$*" ]; then
    return
  fi
  rm -rf "${dir:?}/$name"
  "$python" -m venv "$dir/$name"
  "$dir/$name/bin/pip" install --quiet --disable-pip-version-check "$@"
  echo "$*" > "$marker"
  echo "oracle environment $name ready: $*"
}

# Pillow lets transformers' image-processor loaders run (they need the vision backend).
make_env transformers-4.57 "transformers==4.57.6" "pillow==12.0.0"
make_env transformers-5 "transformers==5.24.0" "pillow==12.0.0"
make_env modelscope "modelscope==1.40.2"
# joblib's own loader decides what a joblib file resolves (payload scanner oracle); the same
# environment regenerates the joblib samples (scripts/make-joblib-samples.py).
make_env joblib "joblib==1.6.0" "numpy==2.4.6" "lz4==4.4.5"
# Bandit itself (its functional tests run with trustscan as the engine, and its results on
# real code are compared with trustscan's) and its source distribution (examples, tests).
make_env bandit "bandit==1.9.4" "testtools==2.7.2"
if [ ! -f "$dir/bandit-src/.trustscan-ready" ]; then
  rm -rf "$dir/bandit-src"
  mkdir -p "$dir/bandit-src"
  "$dir/bandit/bin/pip" download --quiet --disable-pip-version-check --no-deps \
    --no-binary :all: bandit==1.9.4 -d "$dir/bandit-src"
  "$dir/bandit/bin/python" - "$dir/bandit-src" <<'PY'
import sys, tarfile, pathlib
root = pathlib.Path(sys.argv[1])
archive = next(root.glob("bandit-1.9.4.tar.gz"))
with tarfile.open(archive) as t:
    t.extractall(root, filter="data")
PY
  touch "$dir/bandit-src/.trustscan-ready"
  echo "bandit 1.9.4 source distribution ready"
fi
