"""Minimal safetensors writer and reader (the format is small enough to own).

Layout: 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the
raw little-endian row-major data. The header is padded with spaces to a
multiple of 8 so the data starts aligned, as the reference writer does.
"""

from __future__ import annotations

import json
import os
import struct
import sys

import numpy as np

# Element sizes in bytes per safetensors dtype name (only the ones the probe writes or reads).
ITEM_SIZE = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1,
    "U16": 2, "I16": 2, "F16": 2, "BF16": 2,
    "U32": 4, "I32": 4, "F32": 4,
    "U64": 8, "I64": 8, "F64": 8, "C64": 8, "C128": 16,
}

# NumPy dtypes for reading back; BF16 and 8-bit floats come back as their raw bit patterns.
NUMPY_DTYPE = {
    "BOOL": "?", "U8": "<u1", "I8": "<i1", "F8_E4M3": "<u1", "F8_E5M2": "<u1",
    "U16": "<u2", "I16": "<i2", "F16": "<f2", "BF16": "<u2",
    "U32": "<u4", "I32": "<i4", "F32": "<f4",
    "U64": "<u8", "I64": "<i8", "F64": "<f8", "C64": "<c8", "C128": "<c16",
}

MAX_HEADER = 100_000_000


def write(path: str, name: str, dtype: str, shape: tuple[int, ...], data,
          metadata: dict[str, str] | None = None) -> None:
    """Writes one tensor (`data`: bytes or a C-contiguous array) to `path` atomically (temp file then rename).

    The rename is what makes it atomic: the extension reads a run folder while it is written, and
    must never see half a file. Nothing is fsynced: a dump is a debugging artefact, and a crash
    that loses the last files loses their manifest lines too (the manifest is appended after).
    """
    # A flat byte view of a contiguous array: no copy, and fine for empty and 0-d arrays too.
    flat = data if isinstance(data, bytes) else np.ascontiguousarray(data).reshape(-1).view(np.uint8)
    view = memoryview(flat)
    header: dict[str, object] = {
        name: {"dtype": dtype, "shape": list(shape), "data_offsets": [0, len(view)]},
    }
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    tmp = f"{path}.tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
    try:
        head = memoryview(struct.pack("<Q", len(raw)) + raw)
        if len(view) >= _PREALLOCATE_FROM:
            _preallocate(fd, len(head) + len(view))
        _write_all(fd, [head, view])
    finally:
        os.close(fd)
    os.replace(tmp, path)


_PREALLOCATE_FROM = 1 << 20
_fallocate: object = None  # libc's fallocate once looked up, False where there is none


def _preallocate(fd: int, size: int) -> None:
    """Reserves the file's blocks before the write, as np.save does: on ext4 a 64 MiB dump then
    takes ~10% less time than growing the file while writing. Linux's fallocate with
    FALLOC_FL_KEEP_SIZE (the size still grows only with the data written), never glibc's
    posix_fallocate, which writes zeros on filesystems without fallocate. Failures are ignored."""
    global _fallocate
    if _fallocate is None:
        _fallocate = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                f = ctypes.CDLL(None, use_errno=True).fallocate
                f.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
                f.restype = ctypes.c_int
                _fallocate = f
            except (OSError, AttributeError):
                pass
    if _fallocate:
        _fallocate(fd, 1, 0, size)  # 1 = FALLOC_FL_KEEP_SIZE; -1 (unsupported, no space) is fine


def _write_all(fd: int, parts: list[memoryview]) -> None:
    """Header and data in one system call where the OS has writev, then whatever a short write left."""
    done = os.writev(fd, parts) if hasattr(os, "writev") else 0
    for part in parts:
        if done >= len(part):
            done -= len(part)
            continue
        rest, done = part[done:], 0
        while rest:
            rest = rest[os.write(fd, rest):]


def read(path: str) -> dict[str, tuple[str, tuple[int, ...], np.ndarray]]:
    """Reads every tensor of a safetensors file: name -> (dtype, shape, flat numpy array of raw values)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ValueError(f"{path}: not a safetensors file (shorter than 8 bytes)")
        (n,) = struct.unpack("<Q", head)
        if n > MAX_HEADER or 8 + n > size:
            raise ValueError(f"{path}: header length {n} does not fit in a file of {size} bytes")
        try:
            header = json.loads(f.read(n).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"{path}: header is not valid JSON ({e})") from None
        data = f.read()
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is not a JSON object")
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        dtype = info.get("dtype") if isinstance(info, dict) else None
        if dtype not in NUMPY_DTYPE:
            raise ValueError(f"{path}: tensor {key!r} has unsupported dtype {dtype!r}")
        shape = tuple(int(d) for d in info["shape"])
        begin, end = (int(o) for o in info["data_offsets"])
        count = 1
        for d in shape:
            count *= d
        if not (0 <= begin <= end <= len(data)) or end - begin != count * ITEM_SIZE[dtype]:
            raise ValueError(f"{path}: tensor {key!r} has offsets [{begin}, {end}) that do not match its shape {list(shape)}")
        arr = np.frombuffer(data, dtype=NUMPY_DTYPE[dtype], count=count, offset=begin)
        out[key] = (dtype, shape, arr)
    return out
