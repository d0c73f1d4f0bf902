"""The NumPy side of bench/tensors.bench.ts: what a user would otherwise run.
  list  INDEX   : read the 8-byte length and JSON header of every shard in the index
  stats NPY     : min/max over non-NaN values, mean/std over finite values, NaN/inf counts, first 10, chunked
                  over np.load(mmap_mode='r') with float64 accumulation (bf16 `<V2` is
                  widened to float32 first, as ml_dtypes would)
Prints the wall and CPU seconds taken (best of REPEAT each) and the result as JSON."""
import json
import os
import struct
import sys
import time

import numpy as np

mode, path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])


def list_index(p):
    d = os.path.dirname(p)
    wm = json.load(open(p))["weight_map"]
    out = []
    for shard in dict.fromkeys(wm.values()):
        with open(os.path.join(d, shard), "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            h = json.loads(f.read(n))
        h.pop("__metadata__", None)
        out += [(k, v["dtype"], v["shape"]) for k, v in h.items()]
    return len(out)


def stats(p):
    a = np.load(p, mmap_mode="r")
    bf16 = a.dtype.kind == "V"
    lo, hi, n, s, s2, nan, inf = np.inf, -np.inf, 0, 0.0, 0.0, 0, 0
    step = 1 << 22
    first = None
    flat = a.reshape(-1)
    for i in range(0, flat.size, step):
        c = flat[i:i + step]
        if bf16:
            c = (np.frombuffer(c.tobytes(), dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        if first is None:
            first = [float(x) for x in c[:10]]
        fin = np.isfinite(c)
        isnan = np.isnan(c)
        nan += int(isnan.sum())
        chunk_inf = int(c.size - fin.sum() - isnan.sum())
        inf += chunk_inf
        if chunk_inf:  # min/max are over non-NaN values, so infinities count
            if np.isposinf(c).any():
                hi = np.inf
            if np.isneginf(c).any():
                lo = -np.inf
        f = c[fin]
        if f.size:
            lo, hi = min(lo, float(f.min())), max(hi, float(f.max()))
            n += f.size
            s += float(f.sum(dtype=np.float64))
            s2 += float(np.square(f, dtype=np.float64).sum())
    mean = s / n
    return {"min": lo, "max": hi, "mean": mean, "std": (s2 / n - mean * mean) ** 0.5, "nan": nan, "inf": inf, "first": first}


best, best_cpu, result = float("inf"), float("inf"), None
for _ in range(repeat):
    t0, c0 = time.perf_counter(), time.process_time()
    result = list_index(path) if mode == "list" else stats(path)
    best = min(best, time.perf_counter() - t0)
    best_cpu = min(best_cpu, time.process_time() - c0)
def plain(v):
    if isinstance(v, float) and not np.isfinite(v):
        return "NaN" if np.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


print(json.dumps({"seconds": best, "cpu": best_cpu, "result": plain(result)}))
