"""Real probe runs of a real torch model, for run history and the probe's notes in the report.

ref/       the model as is (capture of every layer)
old/       the port of yesterday: layer 2's weight is off, so it first diverges at layers.2
new/       today's port: layer 2 fixed, layer 7 off; one unwritable value skipped; and
capped/    the same as new/, with MFLUX_PORT_MAX_BYTES so small that the capture stops after layers.3
Prints {"bytes_per_layer": n} (what one layer output weighs)."""

import json
import os
import sys

import torch

root = sys.argv[1]
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "python"))
import mflux_port_probe as probe  # noqa: E402


def model(off=()):
    torch.manual_seed(0)
    m = torch.nn.Sequential()
    m.layers = torch.nn.ModuleList([torch.nn.Linear(8, 8) for _ in range(10)])
    with torch.no_grad():
        for k in off:
            m.layers[k].weight[0, 0] += 0.5
    return m


def run(folder, off=(), skip=False, max_bytes=None):
    os.environ["MFLUX_PORT_RUN_DIR"] = os.path.join(root, folder)
    if max_bytes is not None:
        os.environ["MFLUX_PORT_MAX_BYTES"] = str(max_bytes)
    m = model(off)
    x = torch.ones(2, 8)
    with probe.capture(m.layers, prefix="layers"):
        for layer in m.layers:
            x = layer(x)
    if skip:
        probe.dump("attn_mask", object())
    os.environ.pop("MFLUX_PORT_MAX_BYTES", None)


run("ref")
run("old", off=(2,))
run("new", off=(7,), skip=True)
run("capped", off=(7,), max_bytes=4 * 64 + 10)  # room for layers.0 … layers.3 (64 bytes each)
print(json.dumps({"bytes_per_layer": 2 * 8 * 4}))
