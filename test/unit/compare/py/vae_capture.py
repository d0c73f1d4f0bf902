"""diffusers' real AutoencoderKL (small random config, built from a copy of the diffusers
source) captured by the project's probe: the float32 reference, its float64 run (noise floor),
a channels-last float64 candidate (4-D activations NHWC, as MLX stores them) and the same with
every GroupNorm at eps 1e-5 where diffusers' VAE uses 1e-6. expected.json: NumPy's rel_l2 of
the C == H == W pairs through the right layout.

Usage: vae_capture.py OUT_DIR   (PYTHONPATH: stubs for hub imports, the diffusers copy, python/)
"""
import copy
import json
import os
import sys

import stubhub  # noqa: F401  (stubs huggingface_hub/safetensors imports diffusers needs)
import numpy as np
import torch
from diffusers import AutoencoderKL

import mflux_port_probe as probe

out = sys.argv[1]
torch.manual_seed(0)
torch.set_num_threads(1)
vae = AutoencoderKL(in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 2,
                    up_block_types=["UpDecoderBlock2D"] * 2, block_out_channels=[32, 64], latent_channels=4,
                    layers_per_block=1, norm_num_groups=32).eval()
x = torch.randn(1, 3, 64, 64)


def outputs(m, dtype):
    got = []
    hooks = [mod.register_forward_hook(lambda _m, _i, o, n=n: got.append((n, o))) for n, mod in m.named_modules() if n]
    with torch.no_grad():
        m(x.to(dtype))
    for h in hooks:
        h.remove()
    seen, named = {}, []
    for n, o in got:
        if not torch.is_tensor(o):
            continue
        seen[n] = seen.get(n, 0) + 1   # a module called twice (a shared SiLU): the probe's `name#2`
        named.append((n if seen[n] == 1 else f"{n}#{seen[n]}", o.detach().numpy().copy()))
    return named


def side(folder, fn):
    os.environ["MFLUX_PORT_RUN_DIR"] = os.path.join(out, folder)
    os.environ["MFLUX_PORT_SIDE"] = folder
    fn()


def capture(m, dtype):
    with torch.no_grad(), probe.capture(m):
        m(x.to(dtype))


side("ref", lambda: capture(vae, torch.float32))
side("floor", lambda: capture(copy.deepcopy(vae).double(), torch.float64))
ref = dict(outputs(vae, torch.float32))
bug = copy.deepcopy(vae).double()
for mod in bug.modules():
    if isinstance(mod, torch.nn.GroupNorm):
        mod.eps = 1e-5
expected = {}
for folder, m in (("cand_cl", copy.deepcopy(vae).double()), ("cand_eps_cl", bug)):
    outs = outputs(m, torch.float64)

    def write():
        for n, a in outs:
            a = a.astype(np.float32)
            probe.dump(n.split("#")[0], np.ascontiguousarray(a.transpose(0, 2, 3, 1)) if a.ndim == 4 else a)
    side(folder, write)
    expected[folder] = {}
    for n, a in outs:
        if a.ndim == 4 and a.shape[1] == a.shape[2] == a.shape[3]:
            r = ref[n].astype(np.float64)
            d = a.astype(np.float32).astype(np.float64) - r
            expected[folder][n] = float(np.linalg.norm(d) / np.linalg.norm(r))
json.dump(expected, open(os.path.join(out, "expected.json"), "w"), indent=1)
