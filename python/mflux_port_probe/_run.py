"""Where dumps go: the run folder named by MFLUX_PORT_RUN_DIR, its manifest and name bookkeeping."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from datetime import datetime, timezone

from . import _convert, _safetensors

ENV_RUN_DIR = "MFLUX_PORT_RUN_DIR"
ENV_SIDE = "MFLUX_PORT_SIDE"
MANIFEST = "manifest.jsonl"

_UNSAFE = re.compile(r"[^A-Za-z0-9._@#+-]+")


def step_name(name: str, step: object) -> str:
    """The name a dump gets inside a loop: `noise_pred@step003` (zero-padded so plain and natural sort agree)."""
    if step is None:
        return name
    if isinstance(step, bool) or not isinstance(step, int):
        return f"{name}@{step}"
    return f"{name}@step{step:03d}"


class Run:
    """One process's view of one run folder. Continues numbering when the folder already has dumps."""

    def __init__(self, folder: str):
        self.folder = folder
        self.lock = threading.Lock()
        self.index = 0
        self.seen: dict[str, int] = {}
        os.makedirs(folder, exist_ok=True)
        manifest = os.path.join(folder, MANIFEST)
        if os.path.exists(manifest):
            with open(manifest, encoding="utf-8") as f:
                for line in f:
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a line cut short by a crash: ignore it, keep counting
                    self.index = max(self.index, int(entry.get("index", -1)) + 1)
                    base = str(entry.get("base", entry.get("name", "")))
                    self.seen[base] = self.seen.get(base, 0) + 1

    def unique(self, name: str) -> str:
        """Repeated names in one run get `#2`, `#3`… so nothing is overwritten."""
        count = self.seen.get(name, 0) + 1
        self.seen[name] = count
        return name if count == 1 else f"{name}#{count}"

    def write(self, name: str, value: object, step: object) -> dict:
        converted = _convert.convert(value)  # may raise UnsupportedValue before anything is written
        base = step_name(name, step)
        with self.lock:
            full = self.unique(base)
            index = self.index
            self.index += 1
            file = f"{index:05d}-{_UNSAFE.sub('_', full)[:150]}.safetensors"
            _safetensors.write(
                os.path.join(self.folder, file), full, converted.dtype, converted.shape, converted.data,
                {"source": converted.source, "original_dtype": converted.original},
            )
            entry = {
                "index": index,
                "name": full,
                "base": base,
                "file": file,
                "dtype": converted.dtype,
                "shape": list(converted.shape),
                "step": step if isinstance(step, (int, str)) or step is None else str(step),
                "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                "source": converted.source,
                "original_dtype": converted.original,
            }
            # One short line per write, opened in append mode: a crash leaves every earlier line intact.
            with open(os.path.join(self.folder, MANIFEST), "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")
        return entry


_current: Run | None = None
_guard = threading.Lock()


# os.environ.get on a missing key raises and catches a KeyError inside (about 1 µs); a dump()
# left in a hot loop outside a run should cost no more than a function call, so read the
# mapping's own dict, which os.environ keeps in step with every assignment and deletion.
_ENV_DATA = getattr(os.environ, "_data", None)
try:
    _ENV_KEY = os.environ.encodekey(ENV_RUN_DIR)  # type: ignore[attr-defined]
except AttributeError:
    _ENV_DATA = None


def _run_dir_from_env() -> str | None:
    if _ENV_DATA is None:
        return os.environ.get(ENV_RUN_DIR) or None
    raw = _ENV_DATA.get(_ENV_KEY)
    if not raw:
        return None
    return os.environ.decodevalue(raw) if isinstance(raw, bytes) else raw  # type: ignore[attr-defined]


def current() -> Run | None:
    """The run for the folder in the environment now, or None outside a run (one dict lookup)."""
    global _current
    folder = _run_dir_from_env()
    if not folder:
        return None
    run = _current
    if run is not None and run.folder == folder:
        return run
    with _guard:
        if _current is None or _current.folder != folder:
            _current = Run(folder)
        return _current


def now() -> float:
    return time.time()
