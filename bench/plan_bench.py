#!/usr/bin/env python3
"""Planning benchmark: how long `trustscan plan` takes on the demo zoo and on a synthetic
10,000-file repository, against the only other way to learn what loading runs: loading it
for real with the library's own loader (transformers, ModelScope), measured in the same run.

    python3 bench/plan_bench.py            # needs `cargo build --release` and
                                           # scripts/setup-oracles.sh (for the peers)

Each timing is the best of N runs of a fresh process (wall clock), with peak memory from
/usr/bin/time. Target: under one second for the 10,000-file repository.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "trustscan")
ORACLES = os.environ.get("TRUSTSCAN_ORACLES", os.path.join(ROOT, ".venv-oracles"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def timed(cmd, env=None):
    """Best wall time and its peak RSS over RUNS fresh processes."""
    best = None
    for _ in range(RUNS):
        start = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, env=env)
        elapsed = time.perf_counter() - start
        if p.returncode not in (0, 1, 3):
            sys.exit(f"{cmd} failed ({p.returncode}): {p.stderr[-500:]}")
        kb = int(re.findall(r"^(\d+)$", p.stderr, re.M)[-1])
        if best is None or elapsed < best[0]:
            best = (elapsed, kb)
    return best


def main():
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    work = tempfile.mkdtemp(prefix="trustscan-bench-")
    synthetic = os.path.join(work, "synthetic-10k")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "make_synthetic_repo.py"), synthetic, "10000"], check=True)
    zoo = sorted(glob.glob(os.path.join(ROOT, "examples", "*") + os.sep))
    rows = []
    zoo_t, zoo_kb = timed([BIN, "plan", "--format", "json"] + zoo)
    rows.append((f"trustscan plan, demo zoo ({len(zoo)} repositories)", zoo_t, zoo_kb))
    syn_t, syn_kb = timed([BIN, "plan", "--format", "json", synthetic])
    rows.append(("trustscan plan, synthetic 10,000 files", syn_t, syn_kb))

    peers = []
    tf = os.path.join(ORACLES, "transformers-5", "bin", "python")
    if os.path.exists(tf):
        t, kb = timed([tf, os.path.join(ROOT, "tests", "oracle", "transformers_oracle.py"), "--repo", synthetic, "--call", "model:AutoModel"])
        peers.append(("transformers 5.x AutoModel, executing the code (synthetic)", t, kb, syn_t))
    ms = os.path.join(ORACLES, "modelscope", "bin", "python")
    if os.path.exists(ms):
        t, kb = timed([ms, os.path.join(ROOT, "tests", "oracle", "modelscope_oracle.py"), "--repo", synthetic])
        peers.append(("ModelScope allow_remote, executing the code (synthetic)", t, kb, syn_t))

    print(f"\nbest of {RUNS} runs, wall clock, peak RSS")
    print(f"{'what':<62} {'time':>9} {'peak RSS':>10}")
    for name, t, kb in rows:
        print(f"{name:<62} {t * 1000:>7.0f}ms {kb / 1024:>8.1f}MB")
    for name, t, kb, ours in peers:
        print(f"{name:<62} {t * 1000:>7.0f}ms {kb / 1024:>8.1f}MB   trustscan is {t / ours:.1f}x faster")
    if not peers:
        print("(peers skipped: run scripts/setup-oracles.sh to measure the real loaders)")
    verdict = "meets" if syn_t < 1.0 else "MISSES"
    print(f"\n10,000-file target (< 1 s): {verdict} ({syn_t * 1000:.0f} ms)")
    plan = json.loads(subprocess.run([BIN, "plan", "--format", "json", synthetic], capture_output=True, text=True).stdout)
    executed = sum(1 for a in plan["apis"] for s in a["steps"] if s["kind"] == "execute-file")
    print(f"synthetic plan: {len(plan['apis'])} loading APIs, {executed} execute steps, {plan['snapshot']['files']} files listed")


if __name__ == "__main__":
    main()
