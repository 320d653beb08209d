#!/usr/bin/env python3
"""Generate the pickle samples under tests/fixtures/pickle/ (committed with this script).

Every sample is produced by CPython's own pickler or assembled opcode by opcode here; none
is ever unpickled by this script. Payload samples name dangerous callables (os.system,
builtins.eval, ...) with harmless arguments: they are only ever read by trustscan and, in the
differential test, by an unpickler whose find_class returns a recorder instead of the global.
"""
import collections
import base64
import copyreg
import datetime
import decimal
import io
import os
import pickle
import struct
import zipfile

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fixtures", "pickle")


class Payload:
    """Pickles as a call of os.system."""

    def __reduce__(self):
        return (os.system, ("echo trustscan-sample",))


class EvalPayload:
    def __reduce__(self):
        return (eval, ("1 + 1",))


class WithNewArgsEx:
    def __getnewargs_ex__(self):
        return ((1, 2), {"k": "v"})

    def __reduce_ex__(self, protocol):
        return (copyreg.__newobj_ex__, (WithNewArgsEx, (1, 2), {"k": "v"}), None)


class Torchish(pickle.Pickler):
    """Writes storages as persistent ids, the way torch.save does."""

    def persistent_id(self, obj):
        if isinstance(obj, bytearray):
            return ("storage", "FloatStorage", "0", "cpu", len(obj))
        return None


def benign():
    return {
        "weights": collections.OrderedDict([("layer.weight", [0.5, 1.5]), ("layer.bias", (1, 2))]),
        "when": datetime.datetime(2026, 1, 2, 3, 4, 5),
        "price": decimal.Decimal("1.25"),
        "tags": {"only"},  # one element: set order would vary with hash seeds
        "blob": b"\x00\x01",
        "big": 2**100,
    }


def op_str(s):
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def torch_zip(data_pkl):
    """A checkpoint laid out as torch.save writes it (every entry stored), with fixed times."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, body in [
            ("archive/data.pkl", data_pkl),
            ("archive/byteorder", b"little"),
            ("archive/data/0", bytes(16)),
            ("archive/version", b"3\n"),
        ]:
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), body)
    return bytearray(buf.getvalue())


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    for p in range(6):
        write(f"benign-protocol{p}.pkl", pickle.dumps(benign(), protocol=p))
        write(f"os-system-protocol{p}.pkl", pickle.dumps({"x": Payload()}, protocol=p))
    write("eval-protocol2.pkl", pickle.dumps([EvalPayload(), EvalPayload()], protocol=2))
    write("newobj-ex-protocol4.pkl", pickle.dumps(WithNewArgsEx(), protocol=4))
    # Two pickles one after another, as torch's legacy format writes them.
    write("concatenated.pkl", pickle.dumps(benign(), protocol=2) + pickle.dumps(Payload(), protocol=2))
    # A stream cut in the middle of its second call.
    whole = pickle.dumps([Payload(), EvalPayload()], protocol=2)
    write("truncated.pkl", whole[: len(whole) - 6])
    # Persistent ids (torch storages) and a frame-spanning protocol 4 stream.
    buf = io.BytesIO()
    Torchish(buf, protocol=2).dump(collections.OrderedDict([("w", bytearray(8))]))
    write("persistent-ids.pkl", buf.getvalue())
    write("large-frames-protocol4.pkl", pickle.dumps(["x" * 70000, Payload(), "y" * 70000], protocol=4))
    # STACK_GLOBAL whose operands come from the memo, not from the opcodes before it.
    s = b"\x80\x04" + op_str("builtins") + b"\x94" + op_str("exec") + b"\x94" + b"00"
    s += b"h\x00h\x01\x93" + op_str("print(1)") + b"\x85R."
    write("stack-global-from-memo.pkl", s)
    # Memo index games (payload-evasions #15): the strings next to STACK_GLOBAL are decoys.
    s = b"\x80\x04" + op_str("os") + b"q\x02" + b"0" + op_str("system") + b"q\x03" + b"0"
    s += op_str("torch") + b"q\x00" + b"0" + op_str("LongStorage") + b"q\x01" + b"0"
    s += b"h\x02h\x03\x93" + op_str("echo memo") + b"\x85R."
    write("memo-decoys.pkl", s)
    # A dotted name through an innocuous module (#18) and state set on a function (#19).
    s = b"\x80\x04" + op_str("collections") + op_str("os.system") + b"\x93" + op_str("id") + b"\x85R."
    write("dotted-name.pkl", s)
    s = b"\x80\x04" + op_str("numpy") + op_str("size") + b"\x93" + b"}" + op_str("shape") + b"N" + b"sb."
    write("build-on-function.pkl", s)
    # INST and OBJ (protocol 0 and 1 instance opcodes).
    write("inst-protocol0.pkl", b"(S'echo inst'\nios\nsystem\n.")
    write("obj-protocol1.pkl", b"(csubprocess\ncheck_output\n]S'id'\nao.")
    # A global reached through copyreg's extension registry (EXT1).
    module = os.system.__module__  # posix on Linux
    copyreg.add_extension(module, "system", 240)
    try:
        write("extension-code.pkl", pickle.dumps(os.system, protocol=2))
    finally:
        copyreg.remove_extension(module, "system", 240)
    # Exception-oriented evasions (#10): the payload runs, then a memo key that was never
    # stored (KeyError in CPython) or STACK_GLOBAL operands that are not strings.
    s = b"cposix\nsystem\n(S'echo keyerror'\ntR0" + b"\x80\x04" + op_str("x") + b"\x94h\x03h\x00\x93."
    write("keyerror-after-payload.pkl", s)
    s = b"\x80\x04cposix\nsystem\n(S'echo confusion'\ntR0" + b"K\x01\x94" + op_str("os") + b"\x94h\x00h\x01\x93."
    write("type-confusion.pkl", s)
    # Protocol mixing (#12): protocol-0 STRING operands for protocol-4 STACK_GLOBAL, no PROTO.
    write("protocol-mixing.pkl", b"S'os'\nS'system'\n\x93S'echo mixed'\n\x85R.")
    # A call whose result is popped (#14): OBJ, then POP.
    write("obj-then-pop.pkl", b"\x80\x04(" + op_str("smtplib") + op_str("SMTP") + b"\x93" + op_str("127.0.0.1") + b"o0N.")
    # Computed names (#17): import_module's result is the callable; getattr picks system.
    s = b"\x80\x04" + op_str("builtins") + op_str("getattr") + b"\x93"
    s += op_str("importlib") + op_str("import_module") + b"\x93" + op_str("os") + b"\x85R"
    s += op_str("system") + b"\x86R" + op_str("echo computed") + b"\x85R."
    write("computed-names.pkl", s)
    # Builtins introspection (#20): dotted dunder paths from an innocent-looking builtin.
    s = b"\x80\x04" + op_str("builtins") + op_str("print.__class__.__base__.__subclasses__") + b"\x93)R."
    write("builtins-introspection.pkl", s)
    # An extension code registered by the stream itself (#27): copyreg.add_extension, then EXT1.
    s = b"\x80\x02ccopyreg\nadd_extension\n(S'posix'\nS'system'\nK\xf0tR0\x82\xf0S'echo ext'\n\x85R."
    write("extension-registered-in-stream.pkl", s)
    # Scanner tampering (#28): the stream imports a payload scanner.
    write("scanner-import.pkl", b"\x80\x02cfickling.analysis\nAnalyzer\n)\x81.")
    # A pickle that unpickles another one (the inner payload is a bytes argument).
    inner = pickle.dumps(Payload(), protocol=2)
    outer = b"\x80\x02cpickle\nloads\nC" + bytes([len(inner)]) + inner + b"\x85R."
    write("nested-pickle.pkl", outer)
    # The same inner payload base64-encoded in a string: pickle.loads(base64.b64decode(...)).
    encoded = base64.b64encode(inner)
    outer = b"\x80\x02cpickle\nloads\ncbase64\nb64decode\nX" + struct.pack("<I", len(encoded)) + encoded
    outer += b"\x85R\x85R."
    write("base64-nested-pickle.pkl", outer)
    # Checkpoints in PyTorch's zip layout: a state dict, a payload, and a payload whose CRCs
    # and local header name were edited afterwards (PyTorch's reader ignores both; Python's
    # zipfile refuses the CRC).
    buf = io.BytesIO()
    Torchish(buf, protocol=2).dump(collections.OrderedDict([("w", bytearray(8))]))
    write("torch-state-dict.pt", torch_zip(buf.getvalue()))
    write("torch-payload.pt", torch_zip(pickle.dumps({"w": Payload()}, protocol=2)))
    z = torch_zip(pickle.dumps({"w": Payload()}, protocol=2))
    z[14] ^= 0xFF  # local header CRC
    z[z.index(b"PK\x01\x02") + 16] ^= 0xFF  # central directory CRC
    z[30] = ord("A")  # local header name: "Archive/data.pkl"
    write("torch-payload-bad-crc.pt", z)
    # BUILD on a constructed object (its __setstate__ runs).
    write("build-setstate.pkl", b"\x80\x02ccollections\nOrderedDict\n)R}b.")


if __name__ == "__main__":
    main()
