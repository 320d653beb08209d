#!/usr/bin/env python3
"""Payload benchmark: `trustscan check` against picklescan 1.0.5, ModelScan 0.8.8 and fickling
0.1.12 on pickles and PyTorch checkpoints, all measured in this run, with a detection matrix
(a fast scanner that misses the payload is not a fair comparison).

    cargo build --release && python3 bench/payload_bench.py
    BENCH_SIZES_MB=10,1024,4096 BENCH_RUNS=3 python3 bench/payload_bench.py

The peers are pip-installed into bench/.venv-payload on first run (marker file; delete the
directory to reinstall). fickling 0.1.12 imports typing_extensions without declaring it, so it
is installed too. None of the peers needs torch for these inputs: picklescan and ModelScan
read zips with Python's zipfile (ModelScan imports tensorflow/h5py only for Keras formats);
fickling's scanning API (fickling.loader) reads zips itself, but its file-type detection
(fickling.polyglot.find_file_properties) imports torch, so this script tells zips apart with
zipfile.is_zipfile, which is what that detection's is_standard_zip test does.

Inputs, generated here with the stdlib into a temporary directory (nothing is unpickled):
- `samples`: the committed samples (tests/fixtures/pickle, from scripts/make-pickle-samples.py),
  all scanned by one process per tool, each tool's fairest whole-set invocation:
  `trustscan check --format json FILE...`, `picklescan -p DIR`, `modelscan scan -p DIR -r json`
  (both walk the directory themselves), and fickling's scanning API over every file in one
  process (`scan_zip_archive` for zips, `scan_file` otherwise: what fickling's own hub scanner
  does; its `--check-safety` CLI takes one raw pickle and does not open zips).
- `ckpt-<N>MB`: a state dict in torch.save's zip layout (`archive/data.pkl` rebuilding tensors
  with `torch._utils._rebuild_tensor_v2` over persistent-id storages, stored
  `archive/data/<i>` entries of at most BENCH_STORAGE_MB, zip64 when needed) and
  `ckpt-<N>MB-evil`: the same with an `os.system("echo ...")` call added to data.pkl. Every
  tool gets the file path, one process per file.

Each time is the best wall time of BENCH_RUNS fresh processes (default 3) with its peak
resident memory (/usr/bin/time -f %M, or wait4's rusage when it is absent). Files are read
warm from the page cache after the first run. Checkpoints are deleted at the end.
"""
import collections
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "trustscan")
SAMPLES = os.path.join(ROOT, "tests", "fixtures", "pickle")
VENV = os.environ.get("BENCH_VENV", os.path.join(ROOT, "bench", ".venv-payload"))
PEERS = ["picklescan==1.0.5", "modelscan==0.8.8", "fickling==0.1.12", "typing_extensions==4.16.0"]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SIZES_MB = [int(s) for s in os.environ.get("BENCH_SIZES_MB", "10,1024").split(",") if s]
STORAGE_MB = int(os.environ.get("BENCH_STORAGE_MB", "256"))
TIME = "/usr/bin/time"

FICKLING_SCAN = r"""
import json, sys, zipfile
from fickling.loader import scan_file, scan_zip_archive
for path in sys.argv[1:]:
    if zipfile.is_zipfile(path):
        results = list(scan_zip_archive(path, graceful=True).values())
    else:
        results = [scan_file(path, graceful=True)]
    worst = max((r.severity for r in results), default=None)
    print(json.dumps({"path": path, "severity": worst.name if worst else None,
                      "errors": [e for r in results for e in r.errors]}))
"""


def setup_venv():
    """The peers' virtual environment, created once (the marker names what it holds)."""
    marker = os.path.join(VENV, ".trustscan-ready")
    want = " ".join(PEERS)
    if os.path.exists(marker) and open(marker).read().strip() == want:
        return
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    pip = [os.path.join(VENV, "bin", "pip"), "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + PEERS, check=True)
    with open(marker, "w") as f:
        f.write(want + "\n")
    print(f"peer environment ready: {want}")


# --- checkpoint generator: opcodes assembled by hand, since the pickler would need torch ---

def _str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b  # BINUNICODE


def _int(n):
    return b"J" + struct.pack("<i", n)  # BININT


def _global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def state_dict_pickle(storages, evil):
    """data.pkl as torch.save writes a state dict of 1-D float32 tensors, one per storage:
    OrderedDict{name: _rebuild_tensor_v2(persistent_load(('storage', FloatStorage, key,
    'cpu', numel)), 0, (numel,), (1,), False, OrderedDict())}."""
    out = b"\x80\x02" + _global("collections", "OrderedDict") + b")R("
    for i, nbytes in enumerate(storages):
        numel = nbytes // 4
        out += _str(f"layers.{i}.weight")
        out += _global("torch._utils", "_rebuild_tensor_v2") + b"("
        out += b"(" + _str("storage") + _global("torch", "FloatStorage") + _str(str(i))
        out += _str("cpu") + _int(numel) + b"tQ"  # TUPLE, BINPERSID
        out += _int(0) + _int(numel) + b"\x85" + _int(1) + b"\x85" + b"\x89"
        out += _global("collections", "OrderedDict") + b")R" + b"tR"
    if evil:
        # What a poisoned checkpoint adds: one more "tensor" that runs a shell command.
        out += _str("layers.evil") + _global("os", "system") + _str("echo trustscan-bench") + b"\x85R"
    return out + b"u."


def write_checkpoint(path, size_mb, evil):
    """A stored-entry zip in torch.save's layout, streamed in chunks (small memory)."""
    total = size_mb << 20
    step = STORAGE_MB << 20
    storages = [min(step, total - off) for off in range(0, total, step)]
    # Deterministic, non-constant tensor bytes (float32 ramp), 1 MiB reused per chunk.
    chunk = struct.pack("<262144f", *(i * 0.001 for i in range(262144)))
    stamp = (2026, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        def entry(name, body):
            z.writestr(zipfile.ZipInfo(f"archive/{name}", date_time=stamp), body)

        entry("data.pkl", state_dict_pickle(storages, evil))
        entry(".format_version", b"1")
        entry("byteorder", b"little")
        for i, nbytes in enumerate(storages):
            info = zipfile.ZipInfo(f"archive/data/{i}", date_time=stamp)
            info.file_size = nbytes
            with z.open(info, "w", force_zip64=nbytes >= 1 << 31) as w:
                left = nbytes
                while left:
                    n = min(left, len(chunk))
                    w.write(chunk[:n])
                    left -= n
        entry("version", b"3\n")


# --- running and measuring ---

def timed(cmd, runs, ok):
    """Best wall time over `runs` fresh processes, its peak RSS (KiB), and the first run's
    completed process (for the verdicts)."""
    best, first = None, None
    for _ in range(runs):
        if os.path.exists(TIME):
            start = time.perf_counter()
            p = subprocess.run([TIME, "-f", "%M"] + cmd, capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            kb = int(re.findall(r"^(\d+)$", p.stderr, re.M)[-1])
        else:
            # wait4 gives this one child's rusage (RUSAGE_CHILDREN would be a running max).
            with tempfile.TemporaryFile("w+") as o, tempfile.TemporaryFile("w+") as e:
                start = time.perf_counter()
                proc = subprocess.Popen(cmd, stdout=o, stderr=e, text=True)
                _, status, usage = os.wait4(proc.pid, 0)
                elapsed = time.perf_counter() - start
                proc.returncode = os.waitstatus_to_exitcode(status)
                kb = usage.ru_maxrss
                o.seek(0), e.seek(0)
                p = subprocess.CompletedProcess(cmd, proc.returncode, o.read(), e.read())
        if p.returncode not in ok:
            sys.exit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-800:]}")
        first = first or p
        if best is None or elapsed < best[0]:
            best = (elapsed, kb)
    return best[0], best[1], first


class Tool:
    def __init__(self, name, ok):
        self.name, self.ok = name, ok


class Trustscan(Tool):
    def __init__(self):
        super().__init__("trustscan", (0, 1, 3, 4))

    def cmd(self, files, is_dir, work):
        return [BIN, "check", "--format", "json"] + files

    def verdicts(self, p, files, work):
        doc = json.loads(p.stdout)
        out = {}
        rank = {"safe": 0, "inconclusive": 1, "suspicious": 2, "dangerous": 3}
        # One entry per file, with the verdict of its most serious part.
        for d in doc["payloads"]:
            name = os.path.basename(d["path"])
            if rank[d["verdict"]] >= rank.get(out.get(name), -1):
                out[name] = d["verdict"]
        return out


class Picklescan(Tool):
    def __init__(self):
        super().__init__("picklescan", (0, 1, 2))

    def cmd(self, files, is_dir, work):
        return [os.path.join(VENV, "bin", "picklescan"), "-p", os.path.dirname(files[0]) if is_dir else files[0]]

    def verdicts(self, p, files, work):
        # Per file it prints dangerous imports and parse errors; suspicious globals only count.
        out = {}
        text = p.stdout + p.stderr
        for f in files:
            b = os.path.basename(f)
            words = []
            if re.search(rf"^ERROR: .*{re.escape(b)}", text, re.M):
                words.append("error")
            if re.search(rf"/{re.escape(b)}(:\S+)?: dangerous import", text):
                words.insert(0, "dangerous")
            out[b] = "+".join(words) or "clean"
        return out


class Modelscan(Tool):
    def __init__(self):
        super().__init__("modelscan", (0, 1, 2, 3))

    def cmd(self, files, is_dir, work):
        target = os.path.dirname(files[0]) if is_dir else files[0]
        report = os.path.join(work, "modelscan.json")
        return [os.path.join(VENV, "bin", "modelscan"), "scan", "--show-skipped", "-p", target,
                "-r", "json", "-o", report]

    def verdicts(self, p, files, work):
        doc = json.load(open(os.path.join(work, "modelscan.json")))
        out = {os.path.basename(f): "not scanned" for f in files}
        for s in doc["summary"]["scanned"].get("scanned_files", []):
            out[s.split(":")[0]] = "clean"
        rank = {"LOW": "suspicious", "MEDIUM": "suspicious", "HIGH": "dangerous", "CRITICAL": "dangerous"}
        for i in doc["issues"]:
            name = i["source"].split(":")[0]
            if out.get(name) != "dangerous":
                out[name] = rank[i["severity"]]
        for e in doc["errors"]:
            name = e["source"].split(":")[0]
            out[name] = out[name] + "+error" if out.get(name) not in (None, "not scanned", "clean") else "error"
        return out


class Fickling(Tool):
    def __init__(self):
        super().__init__("fickling", (0,))

    def cmd(self, files, is_dir, work):
        return [os.path.join(VENV, "bin", "python"), "-c", FICKLING_SCAN] + files

    def verdicts(self, p, files, work):
        word = {"LIKELY_SAFE": "clean", "POSSIBLY_UNSAFE": "suspicious", "SUSPICIOUS": "suspicious",
                "LIKELY_UNSAFE": "suspicious", "LIKELY_OVERTLY_MALICIOUS": "dangerous",
                "OVERTLY_MALICIOUS": "dangerous", None: "no pickle"}
        out = {}
        for line in p.stdout.splitlines():
            d = json.loads(line)
            w = word[d["severity"]]
            if d["errors"]:
                w = "error" if w in ("clean", "no pickle") else w + "+error"
            out[os.path.basename(d["path"])] = w
        return out


def flagged(word):
    """Whether a verdict fails a gate: a finding or an error. A file the tool skips or finds
    no pickle in passes silently, so it counts as not flagged."""
    return word not in ("safe", "clean", "not scanned", "no pickle", None)


def main():
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    need = sum(SIZES_MB) * 2 << 20  # each size, benign and evil
    work = tempfile.mkdtemp(prefix="payload-bench-")
    free = shutil.disk_usage(work).free
    if free < 2 * need:
        shutil.rmtree(work)
        sys.exit(f"needs {2 * need / 2**30:.1f} GiB free in {work} (2x the checkpoints), has {free / 2**30:.1f}")
    setup_venv()
    tools = [Trustscan(), Picklescan(), Modelscan(), Fickling()]
    try:
        samples = sorted(os.path.join(SAMPLES, n) for n in os.listdir(SAMPLES))
        inputs = [("samples", samples, True, sum(os.path.getsize(f) for f in samples))]
        for mb in SIZES_MB:
            for evil in (False, True):
                path = os.path.join(work, f"ckpt-{mb}MB{'-evil' if evil else ''}.pt")
                t = time.perf_counter()
                write_checkpoint(path, mb, evil)
                with open(path, "rb") as f:  # zip64 end locator: 20 bytes before the end record
                    f.seek(-42, os.SEEK_END)
                    zip64 = f.read(4) == b"PK\x06\x07"
                print(f"generated {os.path.basename(path)} ({os.path.getsize(path) / 2**20:.0f} MiB"
                      f"{', zip64' if zip64 else ''}) in {time.perf_counter() - t:.1f} s")
                inputs.append((os.path.basename(path)[:-3], [path], False, os.path.getsize(path)))
        print(f"{RUNS} runs each, best wall time; {os.cpu_count()} cores\n")

        results = collections.OrderedDict()
        matrix = collections.OrderedDict()
        for label, files, is_dir, size in inputs:
            for tool in tools:
                t, kb, p = timed(tool.cmd(files, is_dir, work), RUNS, tool.ok)
                results[(label, tool.name)] = (t, kb)
                for name, w in tool.verdicts(p, files, work).items():
                    matrix.setdefault(name, {})[tool.name] = w
                print(f"  {label:20} {tool.name:11} {t:8.3f} s {kb / 1024:8.0f} MB", flush=True)

        print(f"\n{'input':20} {'size MB':>9}  " + "  ".join(f"{t.name + ' s':>13} {'MB':>6}" for t in tools)
              + f"  {'trustscan/fastest peer':>22}")
        for label, files, is_dir, size in inputs:
            row = [results[(label, t.name)] for t in tools]
            peer = min(r[0] for r in row[1:])
            cells = "  ".join(f"{t:13.3f} {kb / 1024:6.0f}" for t, kb in row)
            print(f"{label:20} {size / 2**20:9.1f}  {cells}  {row[0][0] / peer:21.3f}x")
        print("(the ratio is of wall times: below 1, trustscan is faster than every peer)")

        print("\ndetection matrix (verdict per file; * = flagged, i.e. not clean)")
        print(f"{'file':32} " + " ".join(f"{t.name:>18}" for t in tools))
        for name, row in matrix.items():
            cells = [row.get(t.name) or "-" for t in tools]
            print(f"{name:32} " + " ".join(f"{(c + ('*' if flagged(c) and c != '-' else '')):>18}" for c in cells))
        missed = [(n, t.name) for n, row in matrix.items() if "-evil" in n for t in tools
                  if not flagged(row.get(t.name))]
        false = [(n, t.name) for n, row in matrix.items() if n.startswith("ckpt-") and "-evil" not in n
                 for t in tools if flagged(row.get(t.name))]
        print("\nsynthetic checkpoints: " + ("every tool flags every poisoned one" if not missed else
              "MISSED " + ", ".join(f"{t} on {n}" for n, t in missed)) + "; " +
              ("no tool flags a clean one" if not false else "flagged clean: " + ", ".join(f"{t} on {n}" for n, t in false)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
