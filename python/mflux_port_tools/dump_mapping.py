"""Print an mflux weight mapping as JSON, expanded the way mflux expands it.

Run it with the port's own environment (the mapping modules import mlx), from the mflux
repository root, for example:

    uv run python /path/to/dump_mapping.py --definition mflux.models.z_image.weights.z_image_weight_definition
    uv run python /path/to/dump_mapping.py --mapping mflux.models.z_image.weights.z_image_weight_mapping:ZImageWeightMapping

Output: {"components": [{"name", "hf_subdir", "num_blocks", "num_layers", "getter",
"has_key_transform", "targets": [{"to", "from", "required", "max_blocks", "has_transform",
"expanded": [concrete checkpoint keys] or null}], "flat_note"}]}
"""

import argparse
import importlib
import inspect
import json
import os
import sys


def fail(message):
    sys.stderr.write(f"dump_mapping: {message}\n")
    sys.exit(2)


def target_json(t, expanded=None):
    return {
        "expanded": expanded,
        "to": t.to_pattern,
        "from": list(t.from_pattern),
        "required": bool(getattr(t, "required", True)),
        "max_blocks": getattr(t, "max_blocks", None),
        "has_transform": getattr(t, "transform", None) is not None,
    }


def flat_mapping(targets, num_blocks, num_layers):
    """Expands placeholders with mflux's own mapper when it is importable."""
    try:
        from mflux.models.common.weights.mapping.weight_mapper import WeightMapper
    except Exception as e:  # noqa: BLE001 - any import failure means "not available"
        return None, f"WeightMapper not importable ({type(e).__name__}); placeholders left unexpanded"
    build = getattr(WeightMapper, "_build_flat_mapping", None)
    if build is None:
        return None, "this mflux version has no WeightMapper._build_flat_mapping; placeholders left unexpanded"
    if num_blocks is None or num_layers is None:
        note = "num_blocks/num_layers not set in the definition; mflux detects them from the checkpoint, so expansion used mflux's defaults"
    else:
        note = None
    kwargs = {}
    params = inspect.signature(build).parameters
    if "num_blocks" in params:
        kwargs["num_blocks"] = num_blocks if num_blocks is not None else 0
    if "num_layers" in params:
        kwargs["num_layers"] = num_layers if num_layers is not None else 28
    flat = build(targets, **kwargs)
    return {key: [p[0] if isinstance(p, (tuple, list)) else p for p in paths] for key, paths in flat.items()}, note


def qualname(fn):
    return getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn)))


def from_definition(module_name):
    module = importlib.import_module(module_name)
    # In definition order (inspect.getmembers sorts by name): the first class is the model's own.
    classes = [c for c in vars(module).values() if inspect.isclass(c) and c.__module__ == module.__name__ and hasattr(c, "get_components")]
    if not classes:
        fail(f"{module_name} defines no class with get_components()")
    out = []
    for comp in classes[0].get_components():
        getter = getattr(comp, "mapping_getter", None)
        targets = getter() if getter else []
        num_blocks = getattr(comp, "num_blocks", None)
        num_layers = getattr(comp, "num_layers", None)
        expanded, note = expand_each(targets, num_blocks, num_layers)
        if not targets:
            note = "no mapping: weights load by their own names"
        out.append({
            "name": comp.name,
            "hf_subdir": comp.hf_subdir,
            "num_blocks": num_blocks,
            "num_layers": num_layers,
            "getter": qualname(getter) if getter else None,
            "has_key_transform": getattr(comp, "key_transform", None) is not None,
            "weight_files": getattr(comp, "weight_files", None),
            "weight_prefix_filters": getattr(comp, "weight_prefix_filters", None),
            "download_url": getattr(comp, "download_url", None),
            "targets": [target_json(t, e) for t, e in zip(targets, expanded)],
            "flat_note": note,
        })
    return out


def expand_each(targets, num_blocks, num_layers):
    """Concrete checkpoint keys per target (None when mflux's mapper is not available)."""
    expanded = []
    note = None
    for t in targets:
        flat, note = flat_mapping([t], num_blocks, num_layers)
        expanded.append(sorted(flat.keys()) if flat is not None else None)
    return expanded, note


def from_mapping(spec):
    if ":" not in spec:
        fail("--mapping expects module:Class")
    module_name, class_name = spec.split(":", 1)
    cls = getattr(importlib.import_module(module_name), class_name, None)
    if cls is None:
        fail(f"{module_name} has no {class_name}")
    out = []
    for name, fn in inspect.getmembers(cls, callable):
        if not name.startswith("get_"):
            continue
        try:
            if any(p.default is inspect.Parameter.empty for p in inspect.signature(fn).parameters.values()):
                continue
        except (TypeError, ValueError):
            continue
        targets = fn()
        component = name[len("get_"):-len("_mapping")] if name.endswith("_mapping") and name != "get_mapping" else name
        expanded, note = expand_each(targets, None, None)
        out.append({
            "name": component, "hf_subdir": component, "num_blocks": None, "num_layers": None,
            "getter": f"{class_name}.{name}", "has_key_transform": False, "weight_files": None,
            "targets": [target_json(t, e) for t, e in zip(targets, expanded)], "flat_note": note,
        })
    return out


def main():
    parser = argparse.ArgumentParser(description="Print an mflux weight mapping as JSON.")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--definition", help="module of a *WeightDefinition, e.g. mflux.models.x.weights.x_weight_definition")
    group.add_argument("--mapping", help="module:Class of a *WeightMapping")
    args = parser.parse_args()
    # Run from the mflux root without installing: make src/ importable.
    src = os.path.join(os.getcwd(), "src")
    if os.path.isdir(os.path.join(src, "mflux")) and src not in sys.path:
        sys.path.insert(0, src)
    try:
        components = from_definition(args.definition) if args.definition else from_mapping(args.mapping)
    except ModuleNotFoundError as e:
        fail(f"cannot import {e.name} (run with the port's environment, e.g. `uv run python ...`, where mlx is installed)")
    except Exception as e:  # noqa: BLE001 - report any failure of user code in one line
        fail(f"{type(e).__name__}: {e}")
    json.dump({"components": components}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
