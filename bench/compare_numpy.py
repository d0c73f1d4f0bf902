"""The same metric set computed the usual NumPy way (vectorised, float32 arrays, float64
reductions), timed from reading the files to the last number. Prints one JSON object.
Usage: compare_numpy.py REF.safetensors CAND.safetensors ATOL RTOL"""
import json
import struct
import sys
import time

import numpy as np


def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        name, meta = next((k, v) for k, v in header.items() if k != "__metadata__")
        raw = np.fromfile(f, dtype=np.uint16 if meta["dtype"] == "BF16" else np.float32)
    if meta["dtype"] == "BF16":
        raw = (raw.astype(np.uint32) << 16).view(np.float32)
    return raw.reshape(meta["shape"])


t0 = time.perf_counter()
c0 = time.process_time()
r = load(sys.argv[1])
c = load(sys.argv[2])
atol, rtol = float(sys.argv[3]), float(sys.argv[4])
t_load = time.perf_counter() - t0

finite = np.isfinite(r) & np.isfinite(c)
all_finite = bool(finite.all())
rf, cf = (r, c) if all_finite else (r[finite], c[finite])
d = cf - rf
ad = np.abs(d)
imax = int(np.argmax(ad))
res = {
    "max_abs": float(ad.ravel()[imax]),
    "max_abs_index": [int(i) for i in np.unravel_index(imax, r.shape)] if all_finite else None,
    "mean_abs": float(np.mean(ad, dtype=np.float64)),
}
sq = np.sum(np.square(d, dtype=np.float64))
r2 = np.sum(np.square(rf, dtype=np.float64))
c2 = np.sum(np.square(cf, dtype=np.float64))
dot = np.dot(rf.astype(np.float64).ravel(), cf.astype(np.float64).ravel())
res["rmse"] = float(np.sqrt(sq / d.size))
res["max_rel"] = float(np.max(ad / np.maximum(np.abs(rf), np.float32(1e-12))))
res["rel_l2"] = float(np.sqrt(sq / r2))
res["cosine"] = float(dot / np.sqrt(r2 * c2))
res["sqnr_db"] = float(10 * np.log10(r2 / sq))
res["mismatch"] = int(np.count_nonzero(~np.isclose(c, r, rtol=rtol, atol=atol)))
res["nan_ref"], res["nan_cand"] = int(np.isnan(r).sum()), int(np.isnan(c).sum())
res["inf_ref"], res["inf_cand"] = int(np.isinf(r).sum()), int(np.isinf(c).sum())
for side, x in (("ref", rf), ("cand", cf)):
    res[f"{side}_stats"] = {
        "min": float(x.min()), "max": float(x.max()),
        "mean": float(x.mean(dtype=np.float64)), "std": float(x.std(dtype=np.float64)),
    }
res["first_ref"] = r.ravel()[:10].tolist()
res["first_cand"] = c.ravel()[:10].tolist()
nz = ad[ad > 0]
e = np.frexp(nz)[1] - 1
res["hist_zero"] = int(ad.size - nz.size)
res["histogram"] = np.bincount(np.clip(e + 40, 0, 60), minlength=61).tolist()
res["seconds"] = time.perf_counter() - t0
res["cpu_seconds"] = time.process_time() - c0
res["seconds_load"] = t_load
print(json.dumps(res))
