"""Turns a tensor-like value into (safetensors dtype, shape, little-endian C-order bytes).

Frameworks are recognised by the module of the value's type, so importing the
probe never imports torch or mlx; they are only touched when a value of theirs
arrives (and then they are already loaded).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Converted:
    dtype: str
    shape: tuple[int, ...]
    data: np.ndarray  # C-contiguous, little-endian; written without another copy
    source: str  # torch | mlx | numpy | python
    original: str  # the dtype as the framework names it, e.g. torch.bfloat16


# NumPy (kind, itemsize) -> safetensors dtype.
_NUMPY_TO_ST = {
    ("b", 1): "BOOL",
    ("u", 1): "U8", ("u", 2): "U16", ("u", 4): "U32", ("u", 8): "U64",
    ("i", 1): "I8", ("i", 2): "I16", ("i", 4): "I32", ("i", 8): "I64",
    ("f", 2): "F16", ("f", 4): "F32", ("f", 8): "F64",
    ("c", 8): "C64", ("c", 16): "C128",
}

# Torch dtypes numpy cannot hold: reinterpret their bits as an unsigned integer of the same width.
_TORCH_RAW = {
    "bfloat16": ("BF16", "int16"),
    "float8_e4m3fn": ("F8_E4M3", "uint8"),
    "float8_e5m2": ("F8_E5M2", "uint8"),
}


class UnsupportedValue(TypeError):
    pass


def framework_of(value: object) -> str | None:
    module = type(value).__module__ or ""
    if module.startswith("torch"):
        return "torch"
    if module.startswith("mlx"):
        return "mlx"
    if isinstance(value, (np.ndarray, np.generic)):
        return "numpy"
    if isinstance(value, (bool, int, float)):
        return "python"
    return None


def is_tensor(value: object) -> bool:
    """True for values `convert` accepts (used by capture to skip None, strings, etc.)."""
    kind = framework_of(value)
    if kind == "torch":
        return hasattr(value, "detach") and hasattr(value, "dtype")
    if kind == "mlx":
        return hasattr(value, "dtype") and hasattr(value, "shape")
    return kind is not None


def convert(value: object) -> Converted:
    kind = framework_of(value)
    if kind == "torch":
        return _from_torch(value)
    if kind == "mlx":
        return _from_mlx(value)
    if kind == "numpy":
        return _from_numpy(np.asarray(value), "numpy")
    if kind == "python":
        # bool before int: bool is an int subclass.
        if isinstance(value, bool):
            return _from_numpy(np.asarray(value, dtype=np.bool_), "python", "bool")
        if isinstance(value, int):
            return _from_numpy(np.asarray(value, dtype=np.int64), "python", "int")
        return _from_numpy(np.asarray(value, dtype=np.float64), "python", "float")
    raise UnsupportedValue(
        f"cannot dump a {type(value).__module__}.{type(value).__qualname__}; "
        "pass a PyTorch tensor, an MLX array, a NumPy array or a Python number"
    )


def _from_numpy(arr: np.ndarray, source: str, original: str | None = None) -> Converted:
    original = original or f"numpy.{arr.dtype.name}"
    if arr.dtype.name == "bfloat16":  # ml_dtypes / jax bfloat16 registered with numpy
        arr = np.ascontiguousarray(arr).view(np.uint16)
        return Converted("BF16", tuple(arr.shape), _le_bytes(arr), source, original)
    key = (arr.dtype.kind, arr.dtype.itemsize)
    if key not in _NUMPY_TO_ST:
        raise UnsupportedValue(f"dtype {arr.dtype} has no safetensors equivalent")
    return Converted(_NUMPY_TO_ST[key], tuple(int(d) for d in arr.shape), _le_bytes(arr), source, original)


def _le_bytes(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return np.ascontiguousarray(arr)


def _from_torch(t) -> Converted:
    import torch  # already loaded: the value is a torch tensor

    original = str(t.dtype)
    t = t.detach()
    if getattr(t, "is_quantized", False):
        t = t.dequantize()
    if t.layout != torch.strided:
        t = t.to_dense()
    if t.device.type != "cpu":
        t = t.to("cpu")
    if t.is_conj():
        t = t.resolve_conj()
    if t.is_neg():
        t = t.resolve_neg()
    t = t.contiguous()
    name = original.removeprefix("torch.")
    if name in _TORCH_RAW:
        st, raw = _TORCH_RAW[name]
        bits = t.view(getattr(torch, raw)).numpy()
        return Converted(st, tuple(t.shape), _le_bytes(bits), "torch", original)
    return _from_numpy(t.numpy(), "torch", original)


def _from_mlx(a) -> Converted:
    # Written against MLX's documented array API: mx.eval forces the lazy graph,
    # arrays export through the buffer protocol (np.array(a)), and bfloat16 has no
    # NumPy type so its bits are read through a uint16 view.
    import mlx.core as mx  # already loaded: the value is an MLX array

    mx.eval(a)
    original = str(a.dtype)
    if a.dtype == mx.bfloat16:
        if hasattr(mx, "view"):
            bits = np.asarray(mx.view(a, mx.uint16))
        else:  # older MLX without view: a bf16 value is exact in float32; keep its top 16 bits
            f32 = np.array(a.astype(mx.float32), dtype=np.float32)
            bits = (np.ascontiguousarray(f32).view(np.uint32) >> 16).astype(np.uint16)
        return Converted("BF16", tuple(int(d) for d in a.shape), _le_bytes(np.asarray(bits, dtype=np.uint16)), "mlx", original)
    return _from_numpy(np.asarray(a), "mlx", original)
