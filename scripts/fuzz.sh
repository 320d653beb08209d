#!/usr/bin/env bash
# Build and run every cargo-fuzz target in fuzz/fuzz_targets for SECONDS each (default 10).
# Installs cargo-fuzz when missing. Uses the nightly toolchain (with AddressSanitizer) when
# rustup has one; otherwise stable with RUSTC_BOOTSTRAP=1 (cargo-fuzz passes -Z flags) and
# no sanitizer, which still catches panics, overflows and aborts (Rust is memory-safe here).
# Exits non-zero when a target crashes, naming the reproducer libFuzzer saved.
#   scripts/fuzz.sh [SECONDS]          FUZZ_TOOLCHAIN=stable forces the stable path
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-10}"
cd "$root"

if ! cargo fuzz --version >/dev/null 2>&1; then
  # 0.13.2 builds with stable 1.95; --locked keeps its dependencies at the tested versions.
  cargo install cargo-fuzz --version 0.13.2 --locked
fi

toolchain="${FUZZ_TOOLCHAIN:-}"
if [ -z "$toolchain" ]; then
  if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then toolchain=nightly; else toolchain=stable; fi
fi
if [ "$toolchain" = nightly ]; then
  fuzz=(cargo +nightly fuzz)
  sanitizer=address
else
  fuzz=(env RUSTC_BOOTSTRAP=1 cargo fuzz)
  sanitizer=none
fi

fuzz/seed.sh
status=0
for target in fuzz/fuzz_targets/*.rs; do
  name="$(basename "$target" .rs)"
  mkdir -p "fuzz/artifacts/$name"
  before="$(ls "fuzz/artifacts/$name")"
  echo "fuzz: $name for ${seconds}s ($toolchain, sanitizer $sanitizer)"
  # -a: debug assertions, so arithmetic overflow is a crash as it is in the tests.
  # -timeout: one input taking this long means a budget does not bound the work.
  # The filter drops libFuzzer's per-input progress lines (thousands per run), not reports.
  if ! "${fuzz[@]}" run -a --sanitizer "$sanitizer" "$name" "fuzz/corpus/$name" -- \
      -max_total_time="$seconds" -timeout=20 -print_final_stats=1 2>&1 | grep -v '^#[0-9]'; then
    status=1
    echo "fuzz: $name CRASHED; reproducer(s):" >&2
    comm -13 <(echo "$before") <(ls "fuzz/artifacts/$name") | sed "s|^|  fuzz/artifacts/$name/|" >&2
    echo "  replay: ${fuzz[*]} run -a --sanitizer $sanitizer $name <file>" >&2
  fi
done
exit $status
