"""What a user would otherwise run, for bench/mflux.bench.ts.

coverage DATA: expand every WeightTarget pattern by enumeration (as mflux's WeightMapper does)
  and diff against the checkpoint keys; prints seconds spent (after startup) and the counts.
import DATA: import the mapping module (with an mlx stand-in) and call its getters, as the
  dump script does; prints seconds spent after startup.
"""
import json
import os
import sys
import time

mode, data = sys.argv[1], sys.argv[2]
if mode == "coverage":
    keys = json.load(open(os.path.join(data, "keys.json")))
    targets = json.load(open(os.path.join(data, "targets.json")))
    bounds = {"transformer": {"layer": 0}, "text_encoder": {"layer": 36}}
    t0 = time.perf_counter()
    result = {}
    for comp, ts in targets.items():
        flat = set()
        misses = 0
        ck = set(keys[comp])
        for to, frm, mb in ts:
            if "{block}" in frm:
                concrete = {frm.replace("{block}", str(i)) for i in range(mb if mb is not None else 100)}
            elif "{layer}" in frm:
                concrete = {frm.replace("{layer}", str(i)) for i in range(bounds[comp]["layer"])}
            else:
                concrete = {frm}
            hit = concrete & ck
            flat |= hit
            misses += not hit
        result[comp] = [len(ck - flat), misses]
    print(json.dumps({"seconds": time.perf_counter() - t0, "result": result}))
elif mode == "import":
    sys.path[:0] = [os.path.join(data, "mlxshim"), os.path.join(data, "repo", "src")]
    t0 = time.perf_counter()
    import importlib
    m = importlib.import_module("mflux.models.big.weights.big_weight_mapping").BigWeightMapping
    n = len(m.get_transformer_mapping()) + len(m.get_text_encoder_mapping())
    print(json.dumps({"seconds": time.perf_counter() - t0, "targets": n}))
