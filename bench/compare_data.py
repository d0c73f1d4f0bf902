"""Writes the compare benchmark's inputs once: two 256 MB F32 tensors and two 128 MB BF16
tensors (64 Mi elements each) as safetensors. Usage: compare_data.py OUT_DIR"""
import json
import struct
import sys
from pathlib import Path

import numpy as np

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
N = 64 * 1024 * 1024
SHAPE = [1, 64, 1024, 1024]
rng = np.random.default_rng(2024)


def write(path, name, dtype, data):
    header = json.dumps({name: {"dtype": dtype, "shape": SHAPE, "data_offsets": [0, data.nbytes]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        data.tofile(f)


def to_bf16(x):
    bits = x.view(np.uint32)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


ref = rng.standard_normal(N, dtype=np.float32)
cand = ref + rng.standard_normal(N, dtype=np.float32) * np.float32(2e-6)
cand[rng.integers(0, N, 1000)] += np.float32(0.01)  # a few real mismatches
write(out / "f32_ref.safetensors", "hidden_states", "F32", ref)
write(out / "f32_cand.safetensors", "hidden_states", "F32", cand)
write(out / "bf16_ref.safetensors", "hidden_states", "BF16", to_bf16(ref))
cand16 = ref + rng.standard_normal(N, dtype=np.float32) * np.float32(4e-3)
write(out / "bf16_cand.safetensors", "hidden_states", "BF16", to_bf16(cand16))
(out / "compare.done").write_text("v1\n")
