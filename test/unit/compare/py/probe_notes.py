"""Two probe runs the real way: a reference with every dump, and a candidate that skips a value
whose name looks like markup and then hits MFLUX_PORT_MAX_BYTES. Prints what happened as JSON:
the cap, the bytes written before the cut, the last name written and each dump's line."""

import json
import os
import subprocess
import sys

if len(sys.argv) > 2:  # child: one run into sys.argv[1]
    import numpy as np

    sys.path.insert(0, sys.argv[3])
    import mflux_port_probe as probe

    a = np.arange(100, dtype=np.float32)
    lines = {}
    probe.dump("a", a); lines["a"] = sys._getframe().f_lineno  # noqa: E702
    if sys.argv[2] == "cand":
        probe.dump("<script>alert(1)</script>", object())
    probe.dump("b", a * 2); lines["b"] = sys._getframe().f_lineno  # noqa: E702
    probe.dump("c", a * 3)
    print(json.dumps({"lines": lines, "nbytes": int(a.nbytes)}))
    sys.exit(0)

root, python_dir = sys.argv[1], os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "python")
out = {}
for side, cap in (("ref", None), ("cand", "1000")):
    env = {**os.environ, "MFLUX_PORT_RUN_DIR": os.path.join(root, side)}
    env.pop("MFLUX_PORT_MAX_BYTES", None)
    if cap:
        env["MFLUX_PORT_MAX_BYTES"] = cap
    r = subprocess.run([sys.executable, __file__, os.path.join(root, side), side, python_dir], env=env, capture_output=True, text=True, check=True)
    out[side] = json.loads(r.stdout)
out["cap"] = 1000
out["script"] = os.path.abspath(__file__)
print(json.dumps(out))
