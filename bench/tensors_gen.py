"""Generates the tensor benchmark data once into bench/data/tensors (git-ignored):
a 20-shard, 3,000-tensor safetensors checkpoint with its index (small tensors: listing is
about headers), a 1 GiB float32 .npy, a 512 MiB bfloat16 .npy (MLX's `<V2`) and a 256 MiB
float32 .npy in Fortran order. Usage: tensors_gen.py OUT_DIR [fortran-only]"""
import json
import os
import struct
import sys

import numpy as np

out = sys.argv[1]


def write_fortran(out):
    """A 256 MiB float32 matrix in Fortran order, as mx.save writes a transposed weight."""
    m = np.lib.format.open_memmap(os.path.join(out, "f32_fortran_256m.npy.tmp"), mode="w+", dtype="<f4", shape=(4096, 16384), fortran_order=True)
    r = np.random.default_rng(1)
    for j in range(0, 16384, 1024):
        m[:, j:j + 1024] = r.standard_normal((4096, 1024), dtype=np.float32)
    m.flush()
    del m
    os.replace(os.path.join(out, "f32_fortran_256m.npy.tmp"), os.path.join(out, "f32_fortran_256m.npy"))


if len(sys.argv) > 2 and sys.argv[2] == "fortran-only":
    write_fortran(sys.argv[1])
    sys.exit(0)
os.makedirs(os.path.join(out, "sharded"), exist_ok=True)
rng = np.random.default_rng(0)

weight_map = {}
for s in range(20):
    fn = f"model-{s + 1:05d}-of-00020.safetensors"
    header, off = {"__metadata__": {"format": "pt"}}, 0
    for k in range(150):
        name = f"model.layers.{s}.block.{k}.weight"
        header[name] = {"dtype": "BF16", "shape": [8, 16], "data_offsets": [off, off + 256]}
        weight_map[name] = fn
        off += 256
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(os.path.join(out, "sharded", fn), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + rng.integers(0, 256, off, dtype=np.uint8).tobytes())
with open(os.path.join(out, "sharded", "model.safetensors.index.json"), "w") as f:
    json.dump({"metadata": {}, "weight_map": weight_map}, f)

n32 = (1 << 30) // 4
big = np.lib.format.open_memmap(os.path.join(out, "f32_1g.npy.tmp"), mode="w+", dtype="<f4", shape=(n32,))
for i in range(0, n32, 1 << 24):
    big[i:i + (1 << 24)] = rng.standard_normal(min(1 << 24, n32 - i), dtype=np.float32)
big[123] = np.nan
big[456] = np.inf
big.flush()
del big
os.replace(os.path.join(out, "f32_1g.npy.tmp"), os.path.join(out, "f32_1g.npy"))

n16 = (1 << 29) // 2
header = f"{{'descr': '<V2', 'fortran_order': False, 'shape': ({n16}, )}}\n".encode()
with open(os.path.join(out, "bf16_512m.npy.tmp"), "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header)
    for i in range(0, n16, 1 << 24):
        x = rng.standard_normal(min(1 << 24, n16 - i), dtype=np.float32)
        f.write((x.view(np.uint32) >> 16).astype("<u2").tobytes())
os.replace(os.path.join(out, "bf16_512m.npy.tmp"), os.path.join(out, "bf16_512m.npy"))
write_fortran(out)
with open(os.path.join(out, "done"), "w") as f:
    f.write("v2")
