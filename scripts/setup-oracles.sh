#!/usr/bin/env bash
# Create the Python virtual environments the differential tests use as oracles:
# the real loaders (transformers 4.57 and 5.x, ModelScope) run on harmless fixtures in a
# subprocess and report which files Python actually executed. Also the official SARIF 2.1.0
# schema and a JSON Schema validator for trustscan's SARIF output, and headless Chromium for
# the HTML report.
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
# SARIF 2.1.0: jsonschema (Draft 2020-12; rfc3986-validator makes it check the uri and
# uri-reference formats) validates trustscan's SARIF output against the official schema, which
# ships in Microsoft's SARIF multitool npm package (tests/oracle/sarif_validate.py).
make_env sarif "jsonschema==4.26.0" "rfc3986-validator==0.1.1"
sarif_schema_sha256=1c49a0f2b60444c71bb14878e21e0d882198eff4c539861b133093ad89ed798c
if [ ! -f "$dir/sarif-schema/sarif-2.1.0.json" ]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent @microsoft/sarif-multitool-linux@5.7.0 >/dev/null)
  tar -xzf "$tmp/microsoft-sarif-multitool-linux-5.7.0.tgz" -C "$tmp" package/sarif-2.1.0.json
  echo "$sarif_schema_sha256  $tmp/package/sarif-2.1.0.json" | sha256sum --check --quiet
  mkdir -p "$dir/sarif-schema"
  mv "$tmp/package/sarif-2.1.0.json" "$dir/sarif-schema/sarif-2.1.0.json"
  rm -rf "$tmp"
  echo "SARIF 2.1.0 schema ready (@microsoft/sarif-multitool-linux 5.7.0)"
fi
# pre-commit's own manifest loader and try-repo check .pre-commit-hooks.yaml
# (crates/trustscan/tests/integrations.rs).
make_env pre-commit "pre-commit==4.7.0"
# action-validator (its WASM build, offline) checks action.yml against SchemaStore's
# github-action schema; npm pins the exact versions, chalk included.
action_validator="@action-validator/cli@0.6.0 @action-validator/core@0.6.0"
if [ "$(cat "$dir/action-validator/.trustscan-ready" 2>/dev/null)" != "$action_validator" ]; then
  rm -rf "$dir/action-validator"
  mkdir -p "$dir/action-validator"
  # shellcheck disable=SC2086
  npm install --silent --no-audit --no-fund --save-exact --prefix "$dir/action-validator" $action_validator
  echo "$action_validator" > "$dir/action-validator/.trustscan-ready"
  echo "oracle action-validator ready: $action_validator"
fi
# HTML report (tests/oracle/html_check.mjs): Debian's Chromium, driven headless by
# playwright-core (which downloads no browser of its own).
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi
playwright="playwright-core@1.65.1"
if [ ! -f "$dir/html/.trustscan-ready" ] || [ "$(cat "$dir/html/.trustscan-ready")" != "$playwright" ]; then
  rm -rf "$dir/html"
  mkdir -p "$dir/html"
  npm install --silent --no-audit --no-fund --save-exact --prefix "$dir/html" "$playwright"
  echo "$playwright" > "$dir/html/.trustscan-ready"
  echo "HTML oracle ready: $playwright with /usr/bin/chromium"
fi
