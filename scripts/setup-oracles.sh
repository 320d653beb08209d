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
