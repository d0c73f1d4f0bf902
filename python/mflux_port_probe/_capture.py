"""capture(model): record every submodule's output by its module path, in the order outputs are produced.

PyTorch modules get forward hooks. MLX modules (subclasses of mlx.nn.Module, a
dict of parameters and children whose `named_modules()` lists every module with
its dotted path) are called through `type(m).__call__`, so the probe wraps
`__call__` on their classes while the context is open and puts the originals
back on exit. Instances outside the captured model pass straight through.
"""

from __future__ import annotations

import fnmatch
import re
from contextlib import contextmanager

from . import _convert, _run


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


def _record(name, output, step):
    """Dumps a module output: tensors directly, tuples/lists as name[i], dicts (and ModelOutput) as name[key]."""
    if _convert.is_tensor(output):
        from . import dump

        dump(name, output, step=step)
    elif isinstance(output, (tuple, list)):
        for i, item in enumerate(output):
            _record(f"{name}[{i}]", item, step)
    elif isinstance(output, dict):
        for key, item in output.items():
            _record(f"{name}[{key}]", item, step)
    # None, strings, caches and other objects are not tensors to compare: skipped.


def _is_mlx_module(model) -> bool:
    return any((c.__module__ or "").startswith("mlx.nn") for c in type(model).__mro__)


def _is_torch_module(model) -> bool:
    return hasattr(model, "register_forward_hook") and hasattr(model, "named_modules")


@contextmanager
def capture(model, include=None, exclude=None, step=None, prefix: str = ""):
    """Within the `with` block, dumps the output of every submodule of `model` that passes the filters.

    Names are module paths (`transformer_blocks.3.attn`) under `prefix`; the
    model's own output is `prefix` (or `output`). `step` is added to every name
    (`…@step003`). Outside a run this installs nothing.
    """
    if _run.current() is None:
        yield model
        return
    inc, exc = _matcher(include), _matcher(exclude)

    def full(path):
        if not path:
            return prefix or "output"
        return f"{prefix}.{path}" if prefix else path

    if _is_torch_module(model) and not _is_mlx_module(model):
        handles = []
        try:
            for path, module in model.named_modules():
                if not _selected(path, inc, exc):
                    continue
                name = full(path)
                handles.append(module.register_forward_hook(lambda _m, _i, out, name=name: _record(name, out, step)))
            yield model
        finally:
            for h in handles:
                h.remove()
        return

    if _is_mlx_module(model):
        with _mlx_capture(model, inc, exc, full, step):
            yield model
        return

    raise TypeError(
        f"mflux_port_probe.capture: {type(model).__qualname__} is neither a torch.nn.Module nor an mlx.nn.Module"
    )


@contextmanager
def _mlx_capture(model, inc, exc, full, step):
    modules = list(model.named_modules())
    if not any(m is model for _, m in modules):
        modules.append(("", model))
    names = {}  # id(instance) -> dump name
    keep = []  # holds the instances so ids stay valid
    for path, module in modules:
        if _selected(path, inc, exc):
            names[id(module)] = full(path)
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
            name = names.get(id(self))
            if name is None or id(self) in active:
                return original(self, *args, **kwargs)
            active.add(id(self))
            try:
                out = original(self, *args, **kwargs)
            finally:
                active.discard(id(self))
            _record(name, out, step)
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
