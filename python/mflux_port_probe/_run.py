"""Where dumps go: the run folder named by MFLUX_PORT_RUN_DIR, its manifest and name bookkeeping."""

from __future__ import annotations

import atexit
import json
import os
import re
import sys
import threading
import time
from datetime import datetime, timezone

from . import _convert, _safetensors

ENV_RUN_DIR = "MFLUX_PORT_RUN_DIR"
ENV_SIDE = "MFLUX_PORT_SIDE"
MANIFEST = "manifest.jsonl"
ENV_MAX_BYTES = "MFLUX_PORT_MAX_BYTES"
ENV_CAPTURE_INCLUDE = "MFLUX_PORT_CAPTURE_INCLUDE"

_UNSAFE = re.compile(r"[^A-Za-z0-9._@#+-]+")


def step_name(name: str, step: object) -> str:
    """The name a dump gets inside a loop: `noise_pred@step003` (zero-padded so plain and natural sort agree)."""
    if step is None:
        return name
    if isinstance(step, bool) or not isinstance(step, int):
        return f"{name}@{step}"
    return f"{name}@step{step:03d}"


DEFAULT_MAX_BYTES = 20 * 10**9  # what one side of a run may write; the README shows it


def parse_bytes(text: str | None) -> int | None:
    """`20000000000`, `20GB`, `500 MiB` -> bytes; `0` or `none` -> no cap (None). Raises ValueError."""
    if text is None or not str(text).strip():
        return DEFAULT_MAX_BYTES
    t = str(text).strip().lower().replace("_", "")
    if t in ("0", "none", "off", "unlimited"):
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?", t)
    if not m:
        raise ValueError(f"{ENV_MAX_BYTES}={text!r} is not a size (use bytes, or 500MB, 20GB, 1TiB; 0 for no cap)")
    unit = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}[m.group(2)]
    return int(float(m.group(1)) * (1024 if m.group(3) else 1000) ** unit)


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def warn(text: str) -> None:
    """One line on stderr, which the runner terminal shows."""
    print(f"mflux_port_probe: {text}", file=sys.stderr, flush=True)


class Budget:
    """A byte cap: the run's (MFLUX_PORT_MAX_BYTES) or one capture's (capture(..., max_bytes=))."""

    def __init__(self, limit: int | None, origin: str):
        self.limit = limit
        self.origin = origin
        self.used = 0
        self.last: str | None = None
        self.cut = False
        self.dropped = 0

    def fits(self, size: int) -> bool:
        return self.limit is None or self.used + size <= self.limit


class Run:
    """One process's view of one run folder. Continues numbering when the folder already has dumps."""

    def __init__(self, folder: str):
        self.folder = folder
        self.lock = threading.RLock()  # skip() also runs inside write()
        self.index = 0
        self.seen: dict[str, int] = {}
        self.skipped: set[str] = set()
        try:
            limit = parse_bytes(os.environ.get(ENV_MAX_BYTES))
        except ValueError as e:
            warn(f"{e}; using the default cap of {human(DEFAULT_MAX_BYTES)}")
            limit = DEFAULT_MAX_BYTES
        self.budget = Budget(limit, ENV_MAX_BYTES)
        self.projection_warned = False
        self.first_step: object = None
        self.before_steps = 0  # bytes written before the first step began
        self.first_step_bytes = 0
        os.makedirs(folder, exist_ok=True)
        manifest = os.path.join(folder, MANIFEST)
        if os.path.exists(manifest):
            with open(manifest, encoding="utf-8") as f:
                for line in f:
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a line cut short by a crash: ignore it, keep counting
                    if not isinstance(entry, dict):
                        continue
                    kind = entry.get("kind", "tensor")
                    if kind == "cut" and entry.get("scope") == "run":
                        self.budget.cut = True
                    if kind != "tensor":
                        continue
                    self.index = max(self.index, int(entry.get("index", -1)) + 1)
                    base = str(entry.get("base", entry.get("name", "")))
                    self.seen[base] = self.seen.get(base, 0) + 1
                    self.budget.used += int(entry.get("bytes", 0) or 0)

    def unique(self, name: str) -> str:
        """Repeated names in one run get `#2`, `#3`… so nothing is overwritten."""
        count = self.seen.get(name, 0) + 1
        self.seen[name] = count
        return name if count == 1 else f"{name}#{count}"

    def _append(self, record: dict) -> None:
        # One short line per write, opened in append mode: a crash leaves every earlier line intact.
        with open(os.path.join(self.folder, MANIFEST), "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def skip(self, name: str, base: str, reason: str, site: dict | None) -> None:
        """A value the probe cannot write: one warning and one manifest line per name; the run goes on."""
        with self.lock:
            if name in self.skipped:
                return
            self.skipped.add(name)
            warn(f"skipped {name!r}: {reason}")
            record = {"kind": "skipped", "name": base, "reason": reason, "time": _stamp()}
            if site:
                record["site"] = site
            try:
                self._append(record)
            except OSError:
                pass  # the disk is what failed: the warning above is all we can do

    def _cut(self, budget: Budget, next_name: str) -> None:
        budget.cut = True
        budget.dropped += 1
        scope = "run" if budget is self.budget else "capture"
        after = f" after {budget.last!r}" if budget.last else " before the first dump"
        how = (
            "raise the cap (setting mfluxPort.runner.maxCaptureBytes, or MFLUX_PORT_MAX_BYTES) or capture less (include=…, steps=[0, -1])"
            if scope == "run" else "raise max_bytes= of this capture"
        )
        warn(f"capture stopped at {human(budget.used)}{after} ({budget.origin}={budget.limit}); "
             f"{'this capture writes' if scope == 'capture' else 'the run goes on and writes'} no more dumps. To see more, {how}.")
        self._append({
            "kind": "cut", "scope": scope, "after": budget.last, "next": next_name, "bytes": budget.used,
            "max_bytes": budget.limit, "origin": budget.origin, "time": _stamp(),
        })
        if scope == "run":
            atexit.register(self._report_dropped, budget)

    @staticmethod
    def _report_dropped(budget: Budget) -> None:
        if budget.dropped > 1:
            warn(f"{budget.dropped - 1} more dumps were not written after the cap")

    def _project(self, step: object, size: int) -> None:
        """Warns once, before the cap, when the capture is on course to exceed it."""
        b = self.budget
        if self.projection_warned or b.limit is None:
            return
        from . import _steps

        total = _steps.total()
        if isinstance(step, int) and total:
            # Steps with a known total: project from the first step's bytes once the second begins.
            if self.first_step is None:
                self.first_step, self.before_steps = step, b.used
            if step == self.first_step:
                self.first_step_bytes += size
                return
            projected = self.before_steps + self.first_step_bytes * (total - self.first_step)
            self.projection_warned = True
            if projected > b.limit:
                warn(f"projected {human(projected)} for {total} steps ({human(self.first_step_bytes)} per step), "
                     f"above the cap of {human(b.limit)} ({b.origin}): dumps stop at the cap, the run goes on")
            return
        if b.used + size > b.limit / 2:
            self.projection_warned = True
            warn(f"{human(b.used + size)} written, more than half the cap of {human(b.limit)} ({b.origin}); "
                 "dumps stop at the cap, the run goes on")

    def write(self, name: str, value: object, step: object, site: dict | None = None,
              budget: Budget | None = None) -> dict | None:
        """Writes one dump; returns its manifest entry, or None when it was skipped or over a cap."""
        base = step_name(name, step)
        if self.budget.cut or (budget is not None and budget.cut):
            for b in (self.budget, budget):
                if b is not None and b.cut:
                    b.dropped += 1
            return None
        try:
            converted = _convert.convert(value)
        except Exception as e:  # noqa: BLE001 - whatever the value is, the user's forward goes on
            self.skip(name, base, str(e) or type(e).__name__, site)
            return None
        size = int(converted.data.nbytes) if hasattr(converted.data, "nbytes") else len(converted.data)
        with self.lock:
            for b in (budget, self.budget):
                if b is not None and not b.fits(size):
                    self._cut(b, base)
                    return None
            self._project(step, size)
            full = self.unique(base)
            index = self.index
            self.index += 1
            file = f"{index:05d}-{_UNSAFE.sub('_', full)[:150]}.safetensors"
            try:
                _safetensors.write(
                    os.path.join(self.folder, file), full, converted.dtype, converted.shape, converted.data,
                    {"source": converted.source, "original_dtype": converted.original},
                )
            except OSError as e:  # a full disk, a read-only folder: skip, never raise into the forward
                self.skip(name, base, f"could not write {file}: {e.strerror or e}", site)
                return None
            for b in (budget, self.budget):
                if b is not None:
                    b.used += size
                    b.last = full
            entry = {
                "index": index,
                "name": full,
                "base": base,
                "file": file,
                "dtype": converted.dtype,
                "shape": list(converted.shape),
                "step": step if isinstance(step, (int, str)) or step is None else str(step),
                "time": _stamp(),
                "source": converted.source,
                "original_dtype": converted.original,
                "bytes": size,
            }
            if site:
                entry["site"] = site
            self._append(entry)
        return entry


def _stamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


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
