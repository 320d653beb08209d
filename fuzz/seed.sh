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
  # Every target gets every committed sample (pickles, containers, joblib, formats, HDF5):
  # a parser learns from the others' inputs too (zip members hold pickles, npz holds npy).
  for dir in "$fixtures/pickle" "$fixtures/containers" "$fixtures/joblib" \
    "$fuzz/../crates/trustscan-payload/tests/fixtures"; do
    # Numbered copies: samples in different directories share names (config.json).
    find "$dir" -type f -size -2M | sort | while read -r f; do
      cp -f "$f" "$fuzz/corpus/$name/$(echo "$f" | sha1sum | cut -c1-12)-$(basename "$f")"
    done
  done
  if [ -d "$fixtures/fuzz-crashes" ]; then
    find "$fixtures/fuzz-crashes" -type f -exec cp -f {} "$fuzz/corpus/$name/" \;
  fi
done
