"""capture(model): record every submodule's output by its module path, in the order outputs are produced.

PyTorch modules get forward hooks. MLX modules (subclasses of mlx.nn.Module, a
dict of parameters and children whose `named_modules()` lists every module with
its dotted path) are called through `type(m).__call__`, so the probe wraps
`__call__` on their classes while the context is open and puts the originals
back on exit. Instances outside the captured model pass straight through.

A `torch.compile`d model (an OptimizedModule wrapping `_orig_mod`) is captured
through the original module, under the original paths (no `_orig_mod.`), and runs
uncompiled while the capture is open: a compiled graph would not call the hooks.
A `torch.jit` traced or scripted submodule records only its own output (its
children run inside the graph), with a warning naming it.

MFLUX_PORT_CAPTURE_INCLUDE (comma-separated dump names or globs, set by Capture
Inside) restricts every capture to those modules and everything under them.
"""

from __future__ import annotations

import fnmatch
import os
import re
from contextlib import contextmanager

from . import _convert, _run, _steps


def _matcher(patterns):
    """Patterns are shell-style globs on the module path (`blocks.*.attn`), compiled regexes, or callables."""
    if patterns is None:
        return None
    if isinstance(patterns, (str, re.Pattern)) or callable(patterns):
        patterns = [patterns]
    tests = []
    for p in patterns:
        if isinstance(p, re.Pattern):
            tests.append(lambda path, p=p: p.search(path) is not None)
        elif callable(p):
            tests.append(p)
        elif isinstance(p, str):
            tests.append(lambda path, p=p: fnmatch.fnmatchcase(path, p))
        else:
            raise TypeError(f"mflux_port_probe.capture: a pattern must be a string, a regex or a callable, not {type(p).__name__}")
    return lambda path: any(t(path) for t in tests)


def _selected(path, include, exclude):
    if include is not None and not include(path):
        return False
    return not (exclude is not None and exclude(path))


class _Recorder:
    """What one capture records: the step filter, its byte budget, and where a module's code is."""

    def __init__(self, step, steps, total_steps, max_bytes):
        self.step = None if step is None else _steps.normalise(step)
        self.steps = None if steps is None else list(steps)
        if self.steps is not None:
            _steps.resolve(self.steps, total_steps)  # refuses floats and other non-ints now, not mid-forward
        self.total_steps = total_steps
        self.budget = None if max_bytes is None else _run.Budget(int(max_bytes), "capture(max_bytes=)")
        self.warned = set()

    def _once(self, key, text):
        if key not in self.warned:
            self.warned.add(key)
            _run.warn(text)

    def current_step(self):
        """The step of this output, or False when the steps filter leaves it out."""
        s = self.step if self.step is not None else _steps.current()
        if self.steps is None:
            return s
        if not isinstance(s, int):
            self._once("nostep", "capture(steps=...) records nothing outside a step: wrap the loop body in "
                       "`with step(i):` (or call set_step(i)) so the probe knows the step")
            return False
        total = self.total_steps if self.total_steps is not None else _steps.total()
        known, pending = _steps.resolve(self.steps, total)
        if pending:
            self._once("total", f"capture(steps={self.steps}): negative steps count from the end, which needs the "
                       "number of steps: `with step(i, total=N)` or capture(..., total_steps=N); they are left out")
        return s if s in known else False

    def record(self, name, output, site):
        s = self.current_step()
        if s is not False:
            self._record(name, output, s, site)

    def _record(self, name, output, step, site):
        """Dumps a module output: tensors directly, tuples/lists as name[i], dicts (and ModelOutput) as name[key]."""
        if _convert.is_tensor(output):
            run = _run.current()
            if run is not None:
                run.write(name, output, step, site, self.budget)
        elif isinstance(output, (tuple, list)):
            for i, item in enumerate(output):
                self._record(f"{name}[{i}]", item, step, site)
        elif isinstance(output, dict):
            for key, item in output.items():
                self._record(f"{name}[{key}]", item, step, site)
        # None, strings, caches and other objects are not tensors to compare: skipped.


def _site(module, method):
    """The file and first line of a module's forward (or __call__): where Go to Dump Site opens."""
    fn = getattr(type(module), method, None)
    code = getattr(getattr(fn, "__wrapped__", fn), "__code__", None)
    return {"file": code.co_filename, "line": code.co_firstlineno} if code is not None else None


def _env_include():
    """MFLUX_PORT_CAPTURE_INCLUDE: a module (by dump name) and its whole subtree, or globs."""
    raw = os.environ.get(_run.ENV_CAPTURE_INCLUDE, "").strip()
    if not raw:
        return None
    roots = [p.strip() for p in raw.split(",") if p.strip()]

    def test(name):
        for r in roots:
            if name == r or name.startswith((r + ".", r + "[")) or fnmatch.fnmatchcase(name, r):
                return True
        return False

    return test


def _is_mlx_module(model) -> bool:
    return any((c.__module__ or "").startswith("mlx.nn") for c in type(model).__mro__)


def _is_torch_module(model) -> bool:
    return hasattr(model, "register_forward_hook") and hasattr(model, "named_modules")


def _is_compiled(module) -> bool:
    """A torch.compile wrapper (torch._dynamo's OptimizedModule): the real module is `_orig_mod`."""
    return type(module).__name__ == "OptimizedModule" and _is_torch_module(getattr(module, "_orig_mod", None))


def _is_jit(module) -> bool:
    return (type(module).__module__ or "").startswith("torch.jit") or hasattr(module, "graph") and hasattr(module, "code")


def _torch_modules(model):
    """(path, module) pairs with the paths the original (uncompiled) model has, and the compiled wrappers met."""
    wrappers = []
    out = []
    seen = set()  # a module shared by two paths is hooked once, under the first (as named_modules does)

    def walk(module, path, inside_jit):
        while _is_compiled(module):
            wrappers.append(module)
            module = module._orig_mod
        if id(module) in seen:
            return
        seen.add(id(module))
        out.append((path, module, inside_jit))
        jit = inside_jit or _is_jit(module)
        for child_name, child in module.named_children():
            walk(child, f"{path}.{child_name}" if path else child_name, jit)

    walk(model, "", False)
    return out, wrappers


@contextmanager
def _eager(wrappers):
    """Runs compiled wrappers through the original module while the capture is open."""
    saved = []
    try:
        for w in wrappers:
            saved.append((w, w.__dict__.get("forward", _MISSING)))
            object.__setattr__(w, "forward", w._orig_mod.__call__)
        yield
    finally:
        for w, forward in reversed(saved):
            if forward is _MISSING:
                w.__dict__.pop("forward", None)
            else:
                object.__setattr__(w, "forward", forward)


_MISSING = object()


@contextmanager
def capture(model, include=None, exclude=None, step=None, prefix: str = "", steps=None, total_steps=None,
            max_bytes=None):
    """Within the `with` block, dumps the output of every submodule of `model` that passes the filters.

    Names are module paths (`transformer_blocks.3.attn`) under `prefix`; the
    model's own output is `prefix` (or `output`). Every name gets the step
    (`…@step003`): `step` when given, else the one set by `with step(i)` /
    `set_step(i)` at the time of the output. `steps=[0, 1, -1]` records only those
    steps; negative ones count from the end and need the total (`total_steps=N`
    or `with step(i, total=N)`). `max_bytes` caps what this capture writes (the
    run's MFLUX_PORT_MAX_BYTES still applies). Outside a run this installs nothing.
    """
    if _run.current() is None:
        yield model
        return
    inc, exc = _matcher(include), _matcher(exclude)
    from_env = _env_include()
    recorder = _Recorder(step, steps, total_steps, max_bytes)

    def full(path):
        if not path:
            return prefix or "output"
        return f"{prefix}.{path}" if prefix else path

    def wanted(path):
        return _selected(path, inc, exc) and (from_env is None or from_env(full(path)))

    if _is_torch_module(model) and not _is_mlx_module(model):
        modules, wrappers = _torch_modules(model)
        handles = []
        try:
            for path, module, inside_jit in modules:
                if inside_jit or not wanted(path):
                    continue
                name = full(path)
                if _is_jit(module) and any(True for _ in module.children()):
                    _run.warn(f"capture: {name} is a torch.jit traced/scripted module; only its own output is "
                              "recorded, not its submodules' (they run inside the graph). Capture the module before tracing it.")
                site = _site(module, "forward")
                handles.append(module.register_forward_hook(
                    lambda _m, _i, out, name=name, site=site: recorder.record(name, out, site)))
            if wrappers:
                _run.warn(f"capture: {len(wrappers)} torch.compile'd module(s) run uncompiled inside the capture "
                          "(a compiled graph skips the hooks); names are the original module paths")
            with _eager(wrappers):
                yield model
        finally:
            for h in handles:
                h.remove()
        return

    if _is_mlx_module(model):
        with _mlx_capture(model, wanted, full, recorder):
            yield model
        return

    raise TypeError(
        f"mflux_port_probe.capture: {type(model).__qualname__} is neither a torch.nn.Module nor an mlx.nn.Module"
    )


@contextmanager
def _mlx_capture(model, wanted, full, recorder):
    modules = list(model.named_modules())
    if not any(m is model for _, m in modules):
        modules.append(("", model))
    names = {}  # id(instance) -> (dump name, site)
    keep = []  # holds the instances so ids stay valid
    for path, module in modules:
        if wanted(path):
            names[id(module)] = (full(path), _site(module, "__call__"))
            keep.append(module)
    classes = []
    for _, module in modules:
        if type(module) not in classes:
            classes.append(type(module))
    # Resolve every original before patching any class, so a subclass never wraps its parent's
    # wrapper. Look in the class dictionaries only: `cls.__call__` on a class without one finds
    # the metaclass's constructor. Containers that are never called are left alone.
    originals = {}
    for cls in classes:
        resolved = next((k.__dict__["__call__"] for k in cls.__mro__ if "__call__" in k.__dict__ and k is not object), None)
        if resolved is not None:
            originals[cls] = (cls.__dict__.get("__call__"), resolved)
    active = set()  # instances inside their own call: super().__call__ chains record once

    def wrap(original):
        def __call__(self, *args, **kwargs):
            known = names.get(id(self))
            if known is None or id(self) in active:
                return original(self, *args, **kwargs)
            active.add(id(self))
            try:
                out = original(self, *args, **kwargs)
            finally:
                active.discard(id(self))
            recorder.record(known[0], out, known[1])
            return out

        __call__.__wrapped__ = original
        return __call__

    try:
        for cls, (_, resolved) in originals.items():
            setattr(cls, "__call__", wrap(resolved))
        yield
    finally:
        for cls, (own, _) in originals.items():
            if own is not None:
                setattr(cls, "__call__", own)
            else:
                delattr(cls, "__call__")
        del keep
