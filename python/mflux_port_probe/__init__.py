"""mflux_port_probe: dump tensors at the same checkpoints on the reference and the MLX side.

Put on PYTHONPATH by mflux Port Studio's runners, which also set MFLUX_PORT_RUN_DIR
(the folder this side writes to) and MFLUX_PORT_SIDE (`ref` or `mlx`). Without
MFLUX_PORT_RUN_DIR every call here returns immediately, so probe calls left in
code cannot break or slow a normal run.

    from mflux_port_probe import dump, capture, load

    dump("latents", latents)                      # -> latents
    dump("noise_pred", noise_pred, step=i)        # -> noise_pred@step003
    with capture(transformer, include=["transformer_blocks.*"]):
        transformer(...)                          # every matching submodule's output
    latents = load("latents", side="ref")         # the reference's exact initial latents
    for i, t in enumerate(timesteps):
        with step(i, total=len(timesteps)):       # every dump and capture inside: …@step00i
            ...

Each dump is one safetensors file `<index>-<name>.safetensors` holding one tensor
named `<name>`, plus one line in `manifest.jsonl` (index, name, file, dtype,
shape, step, time, bytes, site = the file and line that dumped it). bfloat16 stays
BF16, complex128 is C128. A name used twice in one run (in one step) gets `#2`.

The probe never breaks the run it watches: a value it cannot write is skipped with
one warning per name and a `{"kind": "skipped"}` line in the manifest; once a side
has written MFLUX_PORT_MAX_BYTES (default 20 GB; 0 = no cap) dumps stop, with one
warning and a `{"kind": "cut"}` line, and the run goes on.
"""

from __future__ import annotations

import json
import os

import sys

from . import _run, _safetensors, _steps
from ._capture import capture
from ._convert import UnsupportedValue
from ._run import ENV_RUN_DIR, ENV_SIDE, MANIFEST, step_name
from ._steps import set_step, step

__version__ = "0.1.0"  # the extension's version (package.json); a unit test keeps them equal

__all__ = [
    "dump", "capture", "load", "step", "set_step", "current_step", "enabled", "run_dir", "side", "step_name",
    "UnsupportedValue",
]


def current_step():
    """The step set by `with step(i)` / `set_step(i)`, or None."""
    return _steps.current()


def enabled() -> bool:
    """True when running under a run folder (MFLUX_PORT_RUN_DIR is set)."""
    return bool(os.environ.get(ENV_RUN_DIR))


def run_dir() -> str | None:
    return os.environ.get(ENV_RUN_DIR) or None


def side() -> str | None:
    return os.environ.get(ENV_SIDE) or None


def dump(name: str, value, step=None):
    """Writes `value` under `name` (with `@stepNNN` for `step`, else the current `with step(i)`) and returns `value`.

    Accepts PyTorch tensors on any device, MLX arrays, NumPy arrays and Python
    numbers. Outside a run this does nothing and does not touch `value`. A value
    that cannot be written is skipped with a warning, never raised.
    """
    run = _run.current()
    if run is None:
        return value
    if not isinstance(name, str) or not name:
        raise ValueError("mflux_port_probe.dump: the name must be a non-empty string")
    step = _steps.current() if step is None else _steps.normalise(step)
    caller = sys._getframe(1)
    run.write(name, value, step, {"file": caller.f_code.co_filename, "line": caller.f_lineno})
    return value


def _side_folder(which: str) -> str:
    own = run_dir()
    explicit = os.environ.get(f"MFLUX_PORT_{which.upper()}_DIR")
    if explicit:
        return explicit
    if not own:
        raise RuntimeError(
            f"mflux_port_probe.load: no run folder (set {ENV_RUN_DIR}, or MFLUX_PORT_{which.upper()}_DIR); "
            "run this script through mflux Port Studio"
        )
    return os.path.join(os.path.dirname(os.path.normpath(own)), which)


def load(name: str, side: str = "ref", step=None, occurrence=None, framework: str = "numpy"):
    """Loads a tensor dumped as `name` (at `step`) by `side` in the same run.

    `occurrence` picks one of a repeated name: 1 is the first (`name`), 2 is
    `name#2`, -1 (and None) the last. The folder is MFLUX_PORT_<SIDE>_DIR when set (the runners
    set it when the two sides run in different repositories), else the sibling
    `<side>` folder of MFLUX_PORT_RUN_DIR. `framework` is "numpy" (bfloat16 comes
    back as float32, which holds every bfloat16 value exactly), "torch" or "mlx"
    (original dtype).
    """
    if side not in ("ref", "mlx"):
        raise ValueError(f"mflux_port_probe.load: side must be 'ref' or 'mlx', not {side!r}")
    if occurrence is not None and (isinstance(occurrence, bool) or not isinstance(occurrence, int) or occurrence == 0):
        raise ValueError(f"mflux_port_probe.load: occurrence must be 1, 2, … or -1, -2, … (from the end), not {occurrence!r}")
    folder = _side_folder(side)
    manifest = os.path.join(folder, MANIFEST)
    wanted = step_name(name, _steps.normalise(step))
    if not os.path.exists(manifest):
        raise FileNotFoundError(f"mflux_port_probe.load: {manifest} does not exist (did the {side} side run and dump {wanted!r}?)")
    matches = []
    names = []
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(entry, dict) or entry.get("kind", "tensor") != "tensor":
                continue
            names.append(entry.get("name"))
            if entry.get("name") == wanted or entry.get("base") == wanted:
                matches.append(entry)
    if not matches:
        listed = ", ".join(str(n) for n in names[:20]) or "none"
        raise KeyError(f"mflux_port_probe.load: {manifest} has no tensor {wanted!r} (it has: {listed})")
    k = occurrence or -1
    if not -len(matches) <= (k - 1 if k > 0 else k) < len(matches):
        raise KeyError(f"mflux_port_probe.load: {wanted!r} was dumped {len(matches)} times in {manifest}, so occurrence={occurrence} does not exist")
    found = matches[k - 1 if k > 0 else k]
    tensors = _safetensors.read(os.path.join(folder, found["file"]))
    dtype, shape, flat = tensors[found["name"]]
    return _to_framework(dtype, shape, flat, framework)


def _to_framework(dtype: str, shape, flat, framework: str):
    import numpy as np

    if dtype == "BF16":
        values = (flat.astype(np.uint32) << 16).view(np.float32).reshape(shape)
    else:
        values = flat.reshape(shape).copy()
    if framework == "numpy":
        return values
    if framework == "torch":
        import torch

        t = torch.from_numpy(np.ascontiguousarray(values))
        return t.to(torch.bfloat16) if dtype == "BF16" else t
    if framework == "mlx":
        import mlx.core as mx

        a = mx.array(values)
        return a.astype(mx.bfloat16) if dtype == "BF16" else a
    raise ValueError(f"mflux_port_probe.load: framework must be 'numpy', 'torch' or 'mlx', not {framework!r}")
