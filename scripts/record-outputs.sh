#!/usr/bin/env bash
# Record what trustscan prints for every bundled input, so a refactoring can be shown to change
# no output: run it before and after, then `diff -r BEFORE AFTER`.
#   scripts/record-outputs.sh OUT_DIR [TRUSTSCAN_BINARY]
# Inputs: every example, every fixture repository and sample (tests/fixtures, the crates' own
# fixtures), and the site-packages of the oracle environments when they exist
# (scripts/setup-oracles.sh). For each: `scan` (JSON, and text with every finding; SARIF,
# Markdown and HTML for the examples), `check` (JSON and text) and `plan` (JSON and text), with
# the exit code; and `cache` over the example cache entry.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: scripts/record-outputs.sh OUT_DIR [BINARY]}"
bin="${2:-$root/target/release/trustscan}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$root"

# One file per command: NAME.FORMAT holds standard output, then the exit code on a last line.
run() {
  local file="$1"; shift
  { "$bin" "$@" 2>/dev/null; echo "exit $?"; } > "$out/$file"
}

key() { echo "$1" | sed 's#[/:]#_#g; s#_*$##'; }

repos=(examples/*/)
for d in tests/fixtures/*/*/ crates/*/tests/fixtures/*/*/; do
  [ -d "$d" ] && repos+=("$d")
done
for d in "${repos[@]}"; do
  k="$(key "$d")"
  run "$k.scan.json" scan --format json --offline "$d"
  run "$k.scan.txt" scan --findings all --min-severity low --color never --offline "$d"
  run "$k.check.json" check --format json "$d"
  run "$k.check.txt" check --color never "$d"
  run "$k.plan.json" plan --format json --offline "$d"
  run "$k.plan.txt" plan --offline "$d"
done
for d in examples/*/; do
  k="$(key "$d")"
  run "$k.scan.sarif" scan --format sarif --offline "$d"
  run "$k.scan.md" scan --format markdown --offline "$d"
  run "$k.scan.html" scan --format html --offline "$d"
done
# The example cache entry, listed by `cache` as if it were a Hugging Face cache.
run "cache.txt" cache --hf-cache examples --modelscope-cache examples/no-modelscope-cache
run "cache.json" cache --format json --hf-cache examples --modelscope-cache examples/no-modelscope-cache
# Sample directories (pickles, containers, formats), judged file by file by `check`.
for d in tests/fixtures/*/ crates/*/tests/fixtures/*/; do
  k="$(key "$d")"
  run "$k.samples.check.json" check --format json "$d"
done
oracles="${TRUSTSCAN_ORACLES:-$root/.venv-oracles}"
for sp in "$oracles"/*/lib/python3*/site-packages; do
  [ -d "$sp" ] || continue
  k="$(key "oracles/$(basename "${sp%%/lib/*}")")"
  run "$k.site-packages.check.json" check --format json "$sp"
  run "$k.site-packages.scan.json" scan --format json --offline "$sp"
done
echo "recorded $(ls "$out" | wc -l) outputs in $out"
