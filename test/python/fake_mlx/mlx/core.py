"""FAKE mlx.core (tests only). Mimics the documented behaviour the probe relies on:

- arrays are lazy until `eval(*arrays)` (or an implicit conversion) computes them;
- arrays export their data to NumPy through the buffer protocol (`np.asarray(a)`),
  except bfloat16, which has no NumPy/PEP 3118 type and raises;
- `view(a, dtype)` reinterprets the bits (bfloat16 -> uint16), `a.astype(dtype)` converts;
- dtypes are objects compared with `==`, e.g. `a.dtype == mx.bfloat16`.
"""

import numpy as np


class Dtype:
    def __init__(self, name, np_dtype, size):
        self.name, self.np_dtype, self.size = name, np_dtype, size

    def __repr__(self):
        return f"mlx.core.{self.name}"


float32 = Dtype("float32", np.float32, 4)
float16 = Dtype("float16", np.float16, 2)
bfloat16 = Dtype("bfloat16", None, 2)
uint16 = Dtype("uint16", np.uint16, 2)
int32 = Dtype("int32", np.int32, 4)
bool_ = Dtype("bool", np.bool_, 1)

evaluated_count = 0  # tests check the probe evaluated arrays before reading them


def _bf16_bits(values):
    f = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    # round to nearest even, as a real bfloat16 cast does
    rounded = f + 0x7FFF + ((f >> 16) & 1)
    return (rounded >> 16).astype(np.uint16)


class array:
    """Stored as float32 values (bf16 rounded) or native NumPy values, computed lazily."""

    def __init__(self, values, dtype=None):
        values = np.asarray(values)
        if dtype is None:
            dtype = float32 if values.dtype.kind == "f" and values.dtype != np.float16 else _from_np(values.dtype)
        self._thunk = None
        self._set(values, dtype)

    def _set(self, values, dtype):
        self.dtype = dtype
        if dtype is bfloat16:
            bits = _bf16_bits(values)
            self._data = bits  # raw bits
        else:
            self._data = np.ascontiguousarray(np.asarray(values, dtype=dtype.np_dtype))
        self._shape = tuple(self._data.shape)

    def _force(self):
        if self._data is None:
            self._set(self._thunk(), self.dtype)
            self._thunk = None

    @property
    def shape(self):
        return self._shape

    def astype(self, dtype):
        self._force()
        return array(self._float_values(), dtype)

    def _float_values(self):
        if self.dtype is bfloat16:
            return (self._data.astype(np.uint32) << 16).view(np.float32)
        return self._data

    def __array__(self, dtype=None, copy=None):
        self._force()
        if self.dtype is bfloat16:
            raise TypeError("Item size 2 for PEP 3118 buffer format string B does not match the dtype V item size 0.")
        return self._data if dtype is None else self._data.astype(dtype)

    def __add__(self, other):
        return lazy(lambda: self._float_values_forced() + np.asarray(other._float_values_forced() if isinstance(other, array) else other), self.dtype, self.shape)

    def __mul__(self, other):
        return lazy(lambda: self._float_values_forced() * (other._float_values_forced() if isinstance(other, array) else other), self.dtype, self.shape)

    def _float_values_forced(self):
        self._force()
        return self._float_values()

    def __repr__(self):
        return f"array(shape={self.shape}, dtype={self.dtype})"


def _from_np(dt):
    for d in (float32, float16, uint16, int32, bool_):
        if np.dtype(d.np_dtype) == dt:
            return d
    raise TypeError(f"fake mlx: unsupported numpy dtype {dt}")


def lazy(fn, dtype, shape):
    a = array.__new__(array)
    a._thunk, a._data, a.dtype, a._shape = fn, None, dtype, tuple(shape)
    return a


def eval(*arrays):
    global evaluated_count
    for a in arrays:
        if isinstance(a, array):
            evaluated_count += 1
            a._force()


def view(a, dtype):
    a._force()
    if a.dtype.size != dtype.size:
        raise ValueError("fake mlx: view needs the same item size")
    raw = a._data
    out = array.__new__(array)
    out._thunk = None
    out.dtype = dtype
    out._data = raw.view(np.uint16 if dtype is bfloat16 else dtype.np_dtype)
    out._shape = a.shape
    return out
