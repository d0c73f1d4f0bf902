"""An independent safetensors reader for the probe tests: json for the header, numpy.frombuffer
for the data. Deliberately shares no code with mflux_port_probe."""

import json
import struct

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4",
          "I16": "<i2", "I8": "i1", "U8": "u1", "U16": "<u2", "BOOL": "?", "C64": "<c8", "C128": "<c16"}


def read_file(path):
    """Returns (header dict, {name: (dtype, shape, array)}, header_length)."""
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        arr = np.frombuffer(data[b:e], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = (info["dtype"], tuple(info["shape"]), arr)
    return header, out, n, len(raw), len(data)


def bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def manifest(folder):
    with open(f"{folder}/manifest.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]
