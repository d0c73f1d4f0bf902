"""Runs generated golden test functions without MLX: every `mflux...` / `mlx...` import is
replaced by a stub after checking, statically against the real source tree, that the module
exists and defines the imported name; the helper's `assert_matches_reference_image` is
wrapped so each call is bound with inspect.signature(...).bind(...) against the helper's
real signature instead of running a model. ModelConfig accessors must exist in the real
model_config.py.

usage: bind_check.py SRC_ROOT WORK_ROOT TEST_FILE...
  SRC_ROOT   folder holding the real `mflux` package (an mflux checkout's src/)
  WORK_ROOT  folder holding `tests/` (helpers and the generated tests)
Prints one JSON object per test file: {"file", "ok", "calls": [{"helper", "bound"}], "error"}.
"""

import ast
import importlib.abc
import importlib.util
import inspect
import json
import sys
import types
from pathlib import Path

from mflux_src import defined_names, real_file

SRC_ROOT = Path(sys.argv[1])
WORK_ROOT = Path(sys.argv[2])
STUBBED = ("mflux", "mlx")


class Stub:
    def __init__(self, name):
        self._name = name

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        return Stub(f"{self._name}.{key}")

    def __call__(self, *args, **kwargs):
        return Stub(f"{self._name}()")

    def __or__(self, other):
        return Stub(f"{self._name}|")

    __ror__ = __or__

    def __getitem__(self, key):
        return Stub(f"{self._name}[]")

    def __mro_entries__(self, bases):
        return (object,)

    def __repr__(self):
        return f"<stub {self._name}>"


def model_config_accessors():
    path = SRC_ROOT / "mflux" / "models" / "common" / "config" / "model_config.py"
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "ModelConfig":
            return {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
    return set()


ACCESSORS = model_config_accessors()


class ModelConfigStub:
    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        if key not in ACCESSORS:
            raise AttributeError(f"ModelConfig has no accessor {key!r} in the real model_config.py")
        return lambda *a, **k: Stub(f"ModelConfig.{key}()")

    def __or__(self, other):
        return self

    __ror__ = __or__


class StubModule(types.ModuleType):
    def __init__(self, name, names):
        super().__init__(name)
        self.__path__ = []
        self._names = names

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        if self._names is not None and key not in self._names:
            raise ImportError(f"{self.__name__} defines no {key!r} in the real source")
        if key == "ModelConfig":
            return ModelConfigStub()
        return Stub(f"{self.__name__}.{key}")


class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] not in STUBBED:
            return None
        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec):
        name = spec.name
        if name.split(".")[0] == "mlx":
            return StubModule(name, None)
        f = real_file(SRC_ROOT, name)
        if f is None:
            raise ImportError(f"{name} does not exist under {SRC_ROOT}")
        return StubModule(name, defined_names(f))

    def exec_module(self, module):
        pass


sys.meta_path.insert(0, Finder())
sys.path.insert(0, str(WORK_ROOT))


def check(test_file):
    calls = []
    wrapped = []
    rel = Path(test_file).resolve().relative_to(WORK_ROOT.resolve())
    name = ".".join(rel.with_suffix("").parts)
    try:
        module = importlib.import_module(name)
        helpers = set()
        for value in vars(module).values():
            if isinstance(value, type) and hasattr(value, "assert_matches_reference_image"):
                helpers.add(value)
        for helper in helpers:
            original = inspect.getattr_static(helper, "assert_matches_reference_image")
            func = original.__func__ if isinstance(original, (staticmethod, classmethod)) else original
            sig = inspect.signature(func)

            def bound_only(*args, _sig=sig, _helper=helper, **kwargs):
                bound = _sig.bind(*args, **kwargs)
                calls.append({"helper": _helper.__name__, "bound": sorted(bound.arguments)})

            setattr(helper, "assert_matches_reference_image", staticmethod(bound_only))
            wrapped.append((helper, original))
        ran = 0
        for value in list(vars(module).values()):
            if isinstance(value, type) and value.__name__.startswith("Test"):
                for attr in dir(value):
                    if attr.startswith("test_"):
                        getattr(value(), attr)()
                        ran += 1
            elif inspect.isfunction(value) and value.__name__.startswith("test_"):
                value()
                ran += 1
        if not ran:
            raise AssertionError("no test function found")
        return {"file": str(rel), "ok": True, "calls": calls}
    except Exception as exc:  # noqa: BLE001 - reported per file
        return {"file": str(rel), "ok": False, "calls": calls, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        for helper, original in wrapped:
            setattr(helper, "assert_matches_reference_image", original)


for test_file in sys.argv[3:]:
    print(json.dumps(check(test_file)))
