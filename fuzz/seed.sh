#!/usr/bin/env bash
# Seed each fuzz target's corpus with the committed samples (copied at run time, never
# committed: libFuzzer adds its own finds to the same directory).
#   fuzz/seed.sh
set -euo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
fixtures="$fuzz/../tests/fixtures"
for target in "$fuzz"/fuzz_targets/*.rs; do
  name="$(basename "$target" .rs)"
  mkdir -p "$fuzz/corpus/$name"
  # Every target gets every sample: the zip target also reads plain pickles (pickles_in),
  # and the pickle target learns opcodes from the zip members' streams.
  find "$fixtures/pickle" -type f -exec cp -f {} "$fuzz/corpus/$name/" \;
  if [ -d "$fixtures/fuzz-crashes" ]; then
    find "$fixtures/fuzz-crashes" -type f -exec cp -f {} "$fuzz/corpus/$name/" \;
  fi
done
