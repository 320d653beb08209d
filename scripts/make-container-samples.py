#!/usr/bin/env python3
"""Generate container and legacy-format samples for the payload scanner's tests.

    python3 -m venv /tmp/samples && /tmp/samples/bin/pip install py7zr zstandard lz4
    /tmp/samples/bin/python scripts/make-container-samples.py

(The samples are committed; the tests only read them. py7zr stamps 7z members with the
write time, so regenerated 7z samples differ in those bytes only.)
Each sample hides a pickle payload (a harmless `echo` through os.system) or a benign
checkpoint behind a container or routing trick from payload-evasions.md: 7z (nullifAI),
members without pickle names, tar and tar.gz, every compression wrapper, torch's legacy
stream and tar layouts, a computed legacy magic number, a zip after junk, zip flag bits,
and wrappers nested deeper than the scanner's budget. Nothing here is ever unpickled.
"""
import bz2
import gzip
import io
import lzma
import os
import pickle
import struct
import sys
import tarfile
import zipfile
from collections import OrderedDict
from pathlib import Path

import lz4.frame
import py7zr
import zstandard

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "containers"
COMMAND = "echo trustscan-container-sample"
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


class ShellCall:
    def __reduce__(self):
        return (os.system, (COMMAND,))


class Storage:
    """Pickles as a persistent id, as torch's storages do."""

    def __init__(self, key):
        self.key = key


class CheckpointPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", "FloatStorage", obj.key, "cpu", 4)
        return None


def checkpoint_pickle(payload=False, protocol=2):
    buf = io.BytesIO()
    obj = OrderedDict(weight=Storage("0"))
    if payload:
        obj["hook"] = ShellCall()
    CheckpointPickler(buf, protocol=protocol).dump(obj)
    return buf.getvalue()


def optimizer_state_pickle():
    """An Adam optimizer's state_dict as torch.save pickles it: tensors as storages, plain
    numbers, tuples and lists."""
    buf = io.BytesIO()
    state = {
        "state": {0: {"step": 10, "exp_avg": Storage("0"), "exp_avg_sq": Storage("1")}},
        "param_groups": [
            {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0,
             "amsgrad": False, "maximize": False, "foreach": None, "params": [0]}
        ],
    }
    CheckpointPickler(buf, protocol=2).dump(state)
    return buf.getvalue()


def torch_zip(data_pkl, prefix="archive"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in [
            ("data.pkl", data_pkl),
            ("byteorder", b"little"),
            ("data/0", struct.pack("<4f", 1, 2, 3, 4)),
            ("version", b"3\n"),
        ]:
            z.writestr(zipfile.ZipInfo(f"{prefix}/{name}", date_time=(1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def payload_pickle(protocol=2):
    return pickle.dumps(ShellCall(), protocol=protocol)


def seven_zip(members):
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as z:
        for name, data in members:
            z.writef(io.BytesIO(data), name)
    return buf.getvalue()


def tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def legacy_stream(main_pickle, magic_pickle=None):
    """torch.save(_use_new_zipfile_serialization=False): five pickles, then storage bytes."""
    parts = [
        magic_pickle or pickle.dumps(LEGACY_MAGIC, protocol=2),
        pickle.dumps(1001, protocol=2),
        pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2),
        main_pickle,
        pickle.dumps(["0"], protocol=2),
        struct.pack("<q", 4) + struct.pack("<4f", 1, 2, 3, 4),  # storage 0: size, floats
    ]
    return b"".join(parts)


def computed_magic():
    """GHSA-97f8-7cmv-76j2: the magic number computed by a call instead of a literal."""
    # int("1950a86a20f9469cfc6c", 16) through builtins.int
    hexdigits = format(LEGACY_MAGIC, "x").encode()
    return (
        b"\x80\x02cbuiltins\nint\nq\x00X" + struct.pack("<I", len(hexdigits)) + hexdigits
        + b"K\x10\x86q\x01Rq\x02."
    )


def legacy_tar(main_pickle):
    """torch.save's oldest layout: a tar of sys_info, pickle, storages and tensors, where
    storages and tensors interleave pickles with raw records."""

    def record(key, type_global):
        # (key, location, torch.<Type>) as protocol 2, built by hand: the global is torch's.
        k = key.encode()
        return (
            b"\x80\x02X" + struct.pack("<I", len(k)) + k + b"X\x03\x00\x00\x00cpu"
            + b"ctorch\n" + type_global + b"\n\x87."
        )

    storages = (
        pickle.dumps(1, protocol=2)
        + record("0", b"FloatStorage")
        + struct.pack("<q", 4) + struct.pack("<4f", 1, 2, 3, 4)
        + pickle.dumps([], protocol=2)
    )
    tensors = (
        pickle.dumps(1, protocol=2)
        + record("1", b"FloatTensor")
        + struct.pack("<ii", 1, 0) + struct.pack("<qqq", 4, 1, 0)
    )
    return tar([
        ("sys_info", pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2)),
        ("pickle", main_pickle),
        ("storages", storages),
        ("tensors", tensors),
    ])


def torchscript_archive():
    """torch.jit.save's layout: data.pkl builds a TorchScript class (`__torch__.Net`, resolved
    by torch.jit from code/, never imported), constants.pkl holds tensors, code/ the
    TorchScript source."""
    data_pkl = (
        b"\x80\x02c__torch__\nNet\nq\x00)\x81}q\x01(X\x08\x00\x00\x00trainingq\x02\x89"
        b"X\x06\x00\x00\x00weightq\x03ctorch._utils\n_rebuild_tensor_v2\nq\x04("
        b"(X\x07\x00\x00\x00storageq\x05ctorch\nFloatStorage\nq\x06X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tq\x07"
        b"QK\x00K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)Rtq\x08Rq\tub."
    )
    constants_pkl = b"\x80\x02)."
    code = b"class Net(Module):\n  __parameters__ = [\"weight\", ]\n  weight : Tensor\n  def forward(self: __torch__.Net, x: Tensor) -> Tensor:\n    return torch.mul(x, self.weight)\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in [
            ("data.pkl", data_pkl),
            ("code/__torch__.py", code),
            ("constants.pkl", constants_pkl),
            ("data/0", struct.pack("<4f", 1, 2, 3, 4)),
            ("version", b"3\n"),
        ]:
            z.writestr(zipfile.ZipInfo(f"net/{name}", date_time=(1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def zip_with_flags(data, flags):
    """Set general-purpose flag bits on every entry, local and central (CVE-2025-1945)."""
    out = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = out.find(sig)
        while i != -1:
            struct.pack_into("<H", out, i + off, flags)
            i = out.find(sig, i + 4)
    return bytes(out)


def samples():
    bad = torch_zip(checkpoint_pickle(payload=True))
    good = torch_zip(checkpoint_pickle())
    yield "benign-checkpoint.7z", seven_zip([("model/pytorch_model.bin", good)])
    yield "payload-checkpoint.7z", seven_zip([("model/pytorch_model.bin", bad)])
    yield "payload-unnamed-member.7z", seven_zip([("weights", payload_pickle(4))])
    yield "payload-checkpoint.tar.gz", gzip.compress(tar([("model/pytorch_model.bin", bad)]), mtime=0)
    yield "payload.pkl.zst", zstandard.ZstdCompressor(level=3).compress(payload_pickle(4))
    yield "payload.pkl.lz4", lz4.frame.compress(payload_pickle(4))
    yield "payload.pkl.bz2", bz2.compress(payload_pickle(2))
    yield "payload.pkl.xz", lzma.compress(payload_pickle(2))
    yield "payload.pkl.lzma", lzma.compress(payload_pickle(2), format=lzma.FORMAT_ALONE)
    nested = payload_pickle(2)
    for _ in range(8):
        nested = gzip.compress(nested, mtime=0)
    yield "payload-nested-8-gzip.gz", nested
    yield "benign-legacy-stream.pt", legacy_stream(checkpoint_pickle())
    yield "payload-legacy-stream.pt", legacy_stream(checkpoint_pickle(payload=True))
    yield "payload-computed-magic.pt", legacy_stream(checkpoint_pickle(payload=True), computed_magic())
    yield "benign-legacy-tar.pt", legacy_tar(checkpoint_pickle())
    yield "payload-legacy-tar.pt", legacy_tar(checkpoint_pickle(payload=True))
    yield "payload-after-junk.zip", b"#!/bin/sh\necho not a zip\n" * 4 + bad
    yield "payload-flag-bits.pt", zip_with_flags(bad, 0x41)
    payload_txt = io.BytesIO()
    with zipfile.ZipFile(payload_txt, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("config.json", date_time=(1980, 1, 1, 0, 0, 0)), payload_pickle(0))
    yield "payload-protocol0-as-json.zip", payload_txt.getvalue()
    yield "benign-torchscript.pt", torchscript_archive()
    yield "benign-optimizer-state.pt", torch_zip(optimizer_state_pickle())
    # Archive slip (payload-evasions §33): a member that climbs out, and a symlink.
    slip = io.BytesIO()
    with tarfile.open(fileobj=slip, mode="w", format=tarfile.PAX_FORMAT) as t:
        info = tarfile.TarInfo("model/../../.bashrc")
        body = b"echo trustscan-container-sample\n"
        info.size, info.mtime = len(body), 0
        t.addfile(info, io.BytesIO(body))
        link = tarfile.TarInfo("model/ssh")
        link.type, link.linkname, link.mtime = tarfile.SYMTYPE, "/root/.ssh", 0
        t.addfile(link)
    yield "slip.tar", slip.getvalue()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    n = 0
    for name, data in samples():
        (OUT / name).write_bytes(data)
        n += 1
    print(f"wrote {n} samples to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
