"""Static checks of a scaffolded model package against the mflux tree it was written into.

usage: scaffold_check.py SRC_ROOT PACKAGE_DIR [PROTOCOL_FILE PROTOCOL_CLASS ADAPTER_FILE ADAPTER_CLASS]

imports:  every absolute `mflux...` import in the package's .py files names a module that
          exists under SRC_ROOT and, for `from M import N`, a name M defines (or a submodule).
protocol: the adapter class subclasses the protocol and has every protocol method with the
          same parameters (names, kinds, defaults, annotations) and return annotation.
Prints one JSON object: {"imports": n, "unresolved": [...], "protocol": {...}}.
"""

import ast
import json
import sys
from pathlib import Path

from mflux_src import defined_names, real_file

SRC_ROOT = Path(sys.argv[1])
PACKAGE_DIR = Path(sys.argv[2])


def check_imports():
    count = 0
    unresolved = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "mflux":
                target = real_file(SRC_ROOT, node.module)
                for alias in node.names:
                    count += 1
                    where = f"{path.relative_to(PACKAGE_DIR)}:{node.lineno} from {node.module} import {alias.name}"
                    if target is None:
                        unresolved.append(f"{where}: no module")
                    elif alias.name not in defined_names(target) and real_file(SRC_ROOT, f"{node.module}.{alias.name}") is None:
                        unresolved.append(f"{where}: name not defined there")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "mflux":
                        count += 1
                        if real_file(SRC_ROOT, alias.name) is None:
                            unresolved.append(f"{path.relative_to(PACKAGE_DIR)}:{node.lineno} import {alias.name}: no module")
    return count, unresolved


def class_methods(path, name):
    tree = ast.parse(Path(path).read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            methods = {n.name: n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
            return node, methods
    raise SystemExit(f"{path}: no class {name}")


def shape(fn):
    a = fn.args
    unparse = lambda n: None if n is None else ast.unparse(n)  # noqa: E731
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + [unparse(d) for d in a.defaults]
    params = [
        [p.arg, "positional-only" if i < len(a.posonlyargs) else "positional", defaults[i], unparse(p.annotation)]
        for i, p in enumerate(positional)
    ]
    if a.vararg:
        params.append([a.vararg.arg, "var-positional", None, unparse(a.vararg.annotation)])
    params += [[p.arg, "keyword-only", unparse(d), unparse(p.annotation)] for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    if a.kwarg:
        params.append([a.kwarg.arg, "var-keyword", None, unparse(a.kwarg.annotation)])
    return {"params": params, "returns": unparse(fn.returns)}


def check_protocol(protocol_file, protocol_class, adapter_file, adapter_class):
    _, wanted = class_methods(protocol_file, protocol_class)
    node, have = class_methods(adapter_file, adapter_class)
    mismatched = {}
    for name, fn in wanted.items():
        if name not in have:
            mismatched[name] = "missing"
        elif shape(fn) != shape(have[name]):
            mismatched[name] = {"protocol": shape(fn), "adapter": shape(have[name])}
    return {
        "methods": sorted(wanted),
        "subclasses": protocol_class in [ast.unparse(b) for b in node.bases],
        "mismatched": mismatched,
    }


count, unresolved = check_imports()
result = {"imports": count, "unresolved": unresolved}
if len(sys.argv) == 7:
    result["protocol"] = check_protocol(*sys.argv[3:7])
print(json.dumps(result))
