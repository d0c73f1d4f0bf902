"""The current denoising step: `with step(i):` or `set_step(i)` tells the probe, every dump and
capture inside gets `@stepNNN`. Steps are loop indices (0, 1, 2…), never timesteps."""

from __future__ import annotations

from contextlib import contextmanager

_state = {"step": None, "total": None}


def _is_integer_dtype(dtype) -> bool:
    text = str(dtype).lower()
    return "int" in text and "float" not in text


def normalise(value, what: str = "step"):
    """An int (numpy, torch and MLX integer scalars become int); None and strings pass through.

    A float is refused: it is almost always a timestep (`t` of `for i, t in
    enumerate(timesteps)`), and naming dumps by it never lines up across frameworks.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise TypeError(f"mflux_port_probe: {what}={value!r} is a bool; pass the loop index (0, 1, 2…)")
    if isinstance(value, int):
        return value
    module = type(value).__module__ or ""
    floaty = isinstance(value, float)
    if module.startswith(("numpy", "torch", "mlx")):
        shape = tuple(getattr(value, "shape", ()))
        count = 1
        for d in shape:
            count *= int(d)
        dtype = getattr(value, "dtype", None)
        if count == 1 and dtype is not None and _is_integer_dtype(dtype) and "bool" not in str(dtype):
            return int(value.item() if hasattr(value, "item") else value)
        floaty = floaty or (count == 1 and dtype is not None and "float" in str(dtype).lower())
    if floaty:
        raise TypeError(
            f"mflux_port_probe: {what}={_show(value)} is a float (a timestep?). Steps are loop indices: "
            "`for i, t in enumerate(timesteps): with step(i): ...` (or set_step(i)), so both sides count 0, 1, 2…"
        )
    raise TypeError(f"mflux_port_probe: {what} must be an int (the loop index), not {type(value).__qualname__}")


def _show(value) -> str:
    try:
        return repr(float(value.item() if hasattr(value, "item") else value))
    except Exception:  # noqa: BLE001 - only for the message
        return type(value).__qualname__


def current():
    return _state["step"]


def total():
    return _state["total"]


def set_step(i, total=None) -> None:
    """Sets the current step (None clears it). `total`: the number of steps, so `steps=[-1]` knows the last."""
    i = normalise(i)
    if total is not None:
        total = normalise(total, "total")
    _state["step"] = i
    if total is not None or i is None:
        _state["total"] = total


@contextmanager
def step(i, total=None):
    """`with step(i):` every dump and capture inside is named `…@stepNNN`; the previous step comes back after."""
    saved = dict(_state)
    set_step(i, total if total is not None else saved["total"])
    try:
        yield i
    finally:
        _state.update(saved)


def resolve(steps, total_steps):
    """The wanted steps as a set of non-negative ints, plus the negative ones that still need the total."""
    known, pending = set(), []
    for s in steps:
        s = normalise(s, "steps")
        if not isinstance(s, int):
            raise TypeError(f"mflux_port_probe.capture: steps must be ints, not {s!r}")
        if s >= 0:
            known.add(s)
        elif total_steps is not None:
            known.add(total_steps + s)
        else:
            pending.append(s)
    return known, pending
