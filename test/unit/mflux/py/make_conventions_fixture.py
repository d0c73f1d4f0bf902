"""Builds an mflux-like repo and Hugging Face cache that use the conventions real finished ports
use and our first fixture did not: a weight definition whose file prefix is not the package
name (orb_weight_definition.py in package orbit) holding two variant classes, a ModelConfig
entry found only through an alias written over several lines, range() and integer-list loops,
a branch on the loop value, a lambda mapping getter with an argument, a direct-load component
with weight_prefix_filters, and a checkpoint with deliberate gaps: one tensor missing from the
last of six layers, a block beyond the mapping's range, a typo'd pattern.

The expected coverage is computed here by importing the definition (with stand-ins for MLX) and
expanding patterns by the loader rules written out in `loader_keys` below.

Usage: make_conventions_fixture.py OUT_DIR
"""
import importlib
import json
import os
import re
import sys

import numpy as np

from mflux_fixture import HfCache, Repo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "fixtures"))
from st_write import write_safetensors  # noqa: E402

out = sys.argv[1]
REV = "fedcba9876543210fedcba9876543210fedcba98"
root = os.path.join(out, "repo")


# ---- the repo -------------------------------------------------------------------------------
repo = Repo(root, ["mflux", "mflux/models", "mflux/models/common", "mflux/models/common/config", "mflux/models/common/weights",
                   "mflux/models/common/weights/mapping", "mflux/models/common/weights/loading", "mflux/models/orbit",
                   "mflux/models/orbit/weights"])
write = repo.write
repo.weight_mapping(mlx=False)
repo.weight_definition(["weight_prefix_filters: List[str] | None = None", "weight_files: List[str] | None = None",
                        "key_transform: Callable | None = None", "download_url: str | None = None"])
# The entry's key does not name the package; only an alias on its own line does.
write("src/mflux/models/common/config/model_config.py", '''class ModelConfig:
    def __init__(self, aliases, model_name, num_train_steps=1000):
        self.aliases = aliases
        self.model_name = model_name

    @staticmethod
    def orb_one() -> "ModelConfig":
        return AVAILABLE_MODELS["orb-1"]


AVAILABLE_MODELS = {
    "orb-1": ModelConfig(
        aliases=[
            "orb-one",
            "orbit",
        ],
        model_name="acme/Orbit-1",
    ),
}
''')
MAPPING = '''from typing import List

from mflux.models.common.weights.mapping.weight_mapping import WeightMapping, WeightTarget


class OrbWeightMapping(WeightMapping):
    @staticmethod
    def _same(*keys: str) -> List[WeightTarget]:
        return [WeightTarget(to_pattern=k, from_pattern=[k]) for k in keys]

    @staticmethod
    def _mixer(prefix: str) -> List[WeightTarget]:
        return OrbWeightMapping._same(f"{prefix}.attn.qkv.weight", f"{prefix}.attn.out.weight", f"{prefix}.mlp.up.weight")

    @staticmethod
    def get_transformer_mapping() -> List[WeightTarget]:
        targets: List[WeightTarget] = []
        targets += OrbWeightMapping._same("embed.weight", "embed.bias")
        # Main stack, over num_layers through {layer}
        targets += OrbWeightMapping._mixer("layers.{layer}")
        targets += OrbWeightMapping._same("layers.{layer}.mlp.down.weight", "layers.{layer}.norm.scale")
        # A skip projection only the first layer has in this checkpoint
        targets.append(WeightTarget(to_pattern="layers.{layer}.skip.weight", from_pattern=["layers.{layer}.skip.weight"]))
        # Two refiner blocks, written out by Python's range, not by a placeholder
        for i in range(2):
            targets += OrbWeightMapping._mixer(f"refiners.{i}")
        for n in [0, 2]:
            targets.append(WeightTarget(to_pattern=f"heads.{n}.weight", from_pattern=[f"head_{n}.weight"]))
        # Alternative names for one tensor: either is enough
        targets.append(WeightTarget(to_pattern="final.norm.scale", from_pattern=["final.norm.scale", "final_norm.scale"]))
        # Typo: the checkpoint says final.proj.bias
        targets.append(WeightTarget(to_pattern="final.proj.bias", from_pattern=["final.proj.biass"]))
        # A weight this checkpoint does not have at all (a dead entry, not a typo)
        targets.append(WeightTarget(to_pattern="final.gate.weight", from_pattern=["final.gate.weight"]))
        targets.append(WeightTarget(to_pattern="final.proj.weight", from_pattern=["final.proj.weight"]))
        return targets

    @staticmethod
    def get_vae_mapping(count: int) -> List[WeightTarget]:
        targets = []
        for b in range(count):
            targets.append(WeightTarget(to_pattern=f"up.{b}.conv.weight", from_pattern=[f"up.{b}.conv.weight"]))
            if b > 0:
                targets.append(WeightTarget(to_pattern=f"up.{b}.resample.weight", from_pattern=[f"up.{b}.resample.weight"]))
        # Over mflux's default 4 blocks; the last decoder block has no upsampler (by design, not a gap)
        targets += OrbWeightMapping._same("dec.{block}.conv.weight")
        targets.append(WeightTarget(to_pattern="dec.{block}.upsample.weight", from_pattern=["dec.{block}.upsample.weight"]))
        return targets
'''
write("src/mflux/models/orbit/weights/orb_weight_mapping.py", MAPPING)
DEFINITION = '''from mflux.models.common.weights.loading.weight_definition import ComponentDefinition
from mflux.models.orbit.weights.orb_weight_mapping import OrbWeightMapping


class OrbitWeightDefinition:
    @staticmethod
    def get_components() -> list[ComponentDefinition]:
        return [
            ComponentDefinition(
                name="transformer",
                hf_subdir="transformer",
                num_layers=6,
                mapping_getter=OrbWeightMapping.get_transformer_mapping,
            ),
            ComponentDefinition(
                name="vae",
                hf_subdir="vae",
                mapping_getter=lambda: OrbWeightMapping.get_vae_mapping(3),
            ),
            ComponentDefinition(
                name="text_encoder",
                hf_subdir="text_encoder",
                mapping_getter=None,
                weight_prefix_filters=["language_model."],
            ),
        ]


class OrbitTinyWeightDefinition:
    @staticmethod
    def get_components() -> list[ComponentDefinition]:
        return [
            ComponentDefinition(name="transformer", hf_subdir="transformer_tiny", num_layers=2, mapping_getter=OrbWeightMapping.get_transformer_mapping),
        ]
'''
write("src/mflux/models/orbit/weights/orb_weight_definition.py", DEFINITION)

# ---- the checkpoint -------------------------------------------------------------------------
z = lambda *s: np.zeros(s, np.float32)  # noqa: E731
transformer = {"embed.weight": z(4, 2), "embed.bias": z(4)}
for layer in range(6):
    for k in ["attn.qkv.weight", "attn.out.weight", "mlp.up.weight", "mlp.down.weight", "norm.scale"]:
        transformer[f"layers.{layer}.{k}"] = z(2, 2)
del transformer["layers.5.mlp.down.weight"]  # the one gap in the last layer
transformer["layers.0.skip.weight"] = z(2, 2)
for i in range(3):  # refiners.2 is beyond the mapping's range(2): mflux never loads it
    for k in ["attn.qkv.weight", "attn.out.weight", "mlp.up.weight"]:
        transformer[f"refiners.{i}.{k}"] = z(2, 2)
for n in [0, 1, 2]:  # head_1 is in no literal list
    transformer[f"head_{n}.weight"] = z(2)
transformer["final_norm.scale"] = z(2)
transformer["final.proj.weight"] = z(2, 2)
transformer["final.proj.bias"] = z(2)
vae = {"bn.num_batches_tracked": np.zeros((), np.int64)}  # training state, not a weight
for b in range(4):  # up.3 is beyond get_vae_mapping(3)
    vae[f"up.{b}.conv.weight"] = z(2, 2)
    if b > 0:
        vae[f"up.{b}.resample.weight"] = z(2, 2)
for b in range(4):
    vae[f"dec.{b}.conv.weight"] = z(2, 2)
    if b < 3:
        vae[f"dec.{b}.upsample.weight"] = z(2, 2)
text_encoder = {"language_model.embed_tokens.weight": z(3, 2), "language_model.norm.weight": z(2), "vision_tower.patch.weight": z(2, 2)}
checkpoint = {"transformer": transformer, "vae": vae, "text_encoder": text_encoder}

cache = HfCache(os.path.join(out, "hub"), "acme/Orbit-1", REV)
for sub, tensors in checkpoint.items():
    cache.place(f"{sub}/model.safetensors", lambda p, tensors=tensors: write_safetensors(p, tensors))


# ---- expected coverage ------------------------------------------------------------------------
def counts(keys, num_blocks, num_layers):
    """Block/layer counts the loader settles on: the component's, else the highest number seen + 1."""
    blocks = [int(m.group(1)) for k in keys for m in [re.search(r"transformer_blocks\.(\d+)\.", k)] if m]
    layers = [int(m.group(1)) for k in keys for m in [re.search(r"model\.layers\.(\d+)\.", k)] if m]
    nb = num_blocks if num_blocks is not None else (max(blocks) + 1 if blocks else 0)
    nl = num_layers if num_layers is not None else (max(layers) + 1 if layers else 28)
    return nb, nl


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def loader_keys(pattern, to, max_blocks, nb, nl):
    """(index, key) pairs the loader looks for: {layer} over nl layers, {block} over max_blocks or
    nb (4 when nb is 0), {i} over 0 and 1; a pattern without placeholders is itself."""
    if "{block}" in pattern and "{block}" in to:
        n = max_blocks if max_blocks is not None else (nb or 4)
        return [(str(i), pattern.replace("{block}", str(i))) for i in range(n)]
    if "{layer}" in pattern or "{layer}" in to:
        return [(str(i), pattern.replace("{layer}", str(i))) for i in range(nl or 28)]
    if "{i}" in pattern or "{i}" in to:
        return [(str(i), pattern.replace("{i}", str(i))) for i in range(2)]
    return [("", pattern)]


sys.path[:0] = [os.path.join(root, "src")]
module = importlib.import_module("mflux.models.orbit.weights.orb_weight_definition")
expected = {"components": {}, "mapping_file": "src/mflux/models/orbit/weights/orb_weight_mapping.py"}
lines = MAPPING.splitlines()
for comp in module.OrbitWeightDefinition.get_components():
    all_keys = list(checkpoint[comp.name])
    keys = [k for k in all_keys if not comp.weight_prefix_filters or any(k.startswith(p) for p in comp.weight_prefix_filters)]
    if comp.mapping_getter is None:
        expected["components"][comp.name] = {"direct": True, "total": len(keys), "filtered_out": len(all_keys) - len(keys)}
        continue
    targets = comp.mapping_getter()
    nb, nl = counts(keys, comp.num_blocks, comp.num_layers)
    consumed, unmatched, groups, partial = set(), [], {}, []
    counters = [k for k in keys if k.endswith("num_batches_tracked")]
    for t in targets:
        per = [loader_keys(p, t.to_pattern, t.max_blocks, nb, nl) for p in t.from_pattern]
        hit = {i for pairs in per for i, k in pairs if k in keys}
        consumed |= {k for pairs in per for _, k in pairs if k in keys}
        name = " | ".join(t.from_pattern)
        if not hit:
            unmatched.append(name)
            continue
        m = re.search(r"\{(layer|block|i)\}", t.from_pattern[0])
        if m:
            g = t.from_pattern[0][: m.start()]
            groups.setdefault(g, set()).update(hit)
            partial.append((g, name, hit, dict(per[0])))
    misses = []
    for g, name, hit, first in partial:
        seen = groups[g] & set(first)
        gap = sorted(seen - hit, key=int)
        # Reported when the tensor is in at least 4 blocks and misses at most a quarter of them.
        if gap and len(hit) >= 4 and 4 * len(gap) <= len(seen):
            misses.append({"pattern": name, "blocks": gap, "keys": [first[b] for b in gap]})
    unmapped = [k for k in keys if k not in consumed and k not in counters]
    near = {}
    for name in unmatched:
        for want in [re.sub(r"\{\w+\}", "0", f) for f in name.split(" | ")]:
            close = [k for k in unmapped if edit_distance(re.sub(r"\.\d+\.", ".0.", k), want) <= 2]
            if close:
                near[name] = close[0]
                break
    expected["components"][comp.name] = {
        "direct": False,
        "total": len(keys),
        "targets": len(targets),
        "unmapped": unmapped,
        "ignored": counters,
        "unmatched_required": unmatched,
        "near_keys": near,
        "block_misses": misses,
        "num_layers": nl,
    }
expected["typo_line"] = next(i + 1 for i, line in enumerate(lines) if "final.proj.biass" in line)
expected["repo_id"] = "acme/Orbit-1"
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
