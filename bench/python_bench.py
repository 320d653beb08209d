#!/usr/bin/env python3
"""Python-analysis benchmark: trustscan against Bandit 1.9.4 and `ruff check --select S` on
the Python files of the installed transformers package (the oracle environment's copy),
all measured in this run.

    python3 bench/python_bench.py      # needs `cargo build --release`,
                                       # scripts/setup-oracles.sh (Bandit, transformers)
                                       # and ruff (`pip install ruff`, or RUFF=path)

Rows:
- `trustscan check`: every rule (Bandit's and trustscan's), both cores.
- `trustscan scan`, package as is: the same plus the payload scanner, the signatures, the
  module summaries and the call graph's nodes; nothing loads the package, so no module's
  calls need resolving and every finding is `not-reached`.
- `trustscan scan`, loaded as remote code: the package copied under `transformers/` of a
  repository whose `config.json` `auto_map` names a two-line wrapper of
  `transformers.models.bert` (written by this script): reachability is computed for real,
  from the `from_pretrained` entry points through the modules the load imports.
- `bandit -r`, `ruff check --select S` (ruff's Bandit port): the peers.

Each is the best wall time of N fresh processes (Bandit: one run, it takes minutes), with
peak resident memory from /usr/bin/time, and the best CPU time (user + system, both cores
together). trustscan and ruff take turns, round after round, so the machine's slow spells
fall on all of them. Targets: at least 50x Bandit's throughput and at
least half of ruff's, with reachability.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "trustscan")
ORACLES = os.environ.get("TRUSTSCAN_ORACLES", os.path.join(ROOT, ".venv-oracles"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
CORPUS = os.path.join(ORACLES, "transformers-5", "lib", "python3.11", "site-packages", "transformers")


def run_once(cmd, ok=(0, 1, 3, 4)):
    """Wall time, CPU time (user + system) and peak RSS (KiB) of one fresh process."""
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%U %S %M"] + cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if p.returncode not in ok:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-800:]}")
    user, system, kb = re.findall(r"^([\d.]+) ([\d.]+) (\d+)$", p.stderr, re.M)[-1]
    return elapsed, float(user) + float(system), int(kb)


def timed(cmds, runs):
    """Per command: best wall time (with that run's peak RSS) and best CPU time over `runs`
    rounds. The commands take turns within a round, so a slow spell of this shared machine
    hits them all alike rather than one command's whole series."""
    best = [None] * len(cmds)
    for _ in range(runs):
        for i, cmd in enumerate(cmds):
            wall, cpu, kb = run_once(cmd)
            if best[i] is None:
                best[i] = (wall, kb, cpu)
            else:
                w, k, c = best[i]
                best[i] = (wall, kb, min(c, cpu)) if wall < w else (w, k, min(c, cpu))
    return best


def remote_code_repository(corpus, into):
    """A model repository whose remote code subclasses the corpus's BERT: `config.json`'s
    `auto_map` names `modeling_wrapped.WrappedBert`, which imports
    `transformers.models.bert.modeling_bert` from the copy of the corpus beside it."""
    shutil.copytree(corpus, os.path.join(into, "transformers"))
    files = {
        "config.json": json.dumps({
            "model_type": "wrapped-bert",
            "architectures": ["WrappedBert"],
            "auto_map": {
                "AutoConfig": "configuration_wrapped.WrappedConfig",
                "AutoModel": "modeling_wrapped.WrappedBert",
            },
        }),
        "configuration_wrapped.py": "from transformers.models.bert.configuration_bert import BertConfig\n\n\n"
        "class WrappedConfig(BertConfig):\n    model_type = 'wrapped-bert'\n",
        "modeling_wrapped.py": "from transformers.models.bert.modeling_bert import BertModel\n\n"
        "from .configuration_wrapped import WrappedConfig\n\n\n"
        "class WrappedBert(BertModel):\n    config_class = WrappedConfig\n",
    }
    for name, text in files.items():
        with open(os.path.join(into, name), "w") as f:
            f.write(text)
    return into


def reach_counts(report_json):
    """Findings by reachability, and the call edges resolved, of one `scan --format json`."""
    code = json.loads(report_json)["code"]
    counts = {}
    for f in code["findings"]:
        counts[f["reachability"]] = counts.get(f["reachability"], 0) + 1
    return counts, code["call_graph"]["edges"]


def main():
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    if not os.path.isdir(CORPUS):
        sys.exit(f"{CORPUS} is missing: run scripts/setup-oracles.sh")
    bandit = os.path.join(ORACLES, "bandit", "bin", "bandit")
    ruff = os.environ.get("RUFF") or shutil.which("ruff")
    if not os.path.exists(bandit):
        sys.exit("Bandit is missing: run scripts/setup-oracles.sh")
    if not ruff:
        sys.exit("ruff is missing: pip install ruff (or set RUFF)")
    files = []
    for d, _, names in os.walk(CORPUS):
        files += [os.path.join(d, n) for n in names if n.endswith(".py")]
    size = sum(os.path.getsize(f) for f in files)
    print(f"corpus: {CORPUS}\n  {len(files)} Python files, {size / 1e6:.1f} MB; {os.cpu_count()} cores\n")

    loaded = remote_code_repository(CORPUS, tempfile.mkdtemp(prefix="trustscan-bench-"))
    try:
        for label, target in (("as is", CORPUS), ("loaded as remote code", loaded)):
            p = subprocess.run([BIN, "scan", "--format", "json", target], capture_output=True, text=True)
            counts, edges = reach_counts(p.stdout)
            print(f"  scan, {label}: findings {counts}, call edges resolved {edges}")
        print()
        fast = [
            ("trustscan check (all rules)", [BIN, "check", "--format", "json", CORPUS]),
            ("trustscan scan, package as is (nothing loads it)", [BIN, "scan", "--format", "json", CORPUS]),
            ("trustscan scan, loaded as remote code (reachability)", [BIN, "scan", "--format", "json", loaded]),
            ("ruff check --select S", [ruff, "check", "--no-cache", "--select", "S", "--exit-zero", "--quiet", CORPUS]),
        ]
        rows = list(zip([n for n, _ in fast], timed([c for _, c in fast], RUNS)))
    finally:
        shutil.rmtree(loaded, ignore_errors=True)
    rows += [("bandit -r (1.9.4)", timed([[bandit, "-q", "-r", "-f", "json", "-o", os.devnull, CORPUS]], 1)[0])]
    ruff_t = rows[3][1][0]
    bandit_t = rows[4][1][0]
    print(f"{'':56} {'wall s':>8} {'cpu s':>7} {'MB/s':>7} {'peak MB':>8} {'vs Bandit':>10} {'vs ruff':>8}")
    for name, (t, kb, cpu) in rows:
        print(
            f"{name:56} {t:8.2f} {cpu:7.2f} {size / 1e6 / t:7.1f} {kb / 1024:8.0f} "
            f"{bandit_t / t:9.1f}x {ruff_t / t:7.2f}x"
        )
    scan_t = rows[2][1][0]
    print(
        f"\ntargets: >= 50x Bandit -> {bandit_t / scan_t:.0f}x; >= 0.5x ruff -> {ruff_t / scan_t:.2f}x "
        "(trustscan scan, loaded as remote code: with reachability)"
    )


if __name__ == "__main__":
    main()
