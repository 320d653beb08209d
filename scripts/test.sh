#!/usr/bin/env bash
# Run the whole test suite: unit tests, the end-to-end tests of the binary, and the
# differential tests that compare plans with what transformers, torch.hub's import
# machinery and ModelScope actually execute (in Python environments this script creates
# once, under .venv-oracles/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-oracles.sh
cargo test --workspace --no-fail-fast "$@"
