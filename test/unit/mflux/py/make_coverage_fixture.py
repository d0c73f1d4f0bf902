"""Builds a Hugging Face cache and an mflux-like repo with a weight mapping that has
placeholders, helpers, loops and deliberate gaps; then computes the expected coverage
independently: it imports the mapping (with a stand-in WeightTarget), expands every
placeholder by explicit enumeration, and intersects with the checkpoint keys.

Usage: make_coverage_fixture.py OUT_DIR
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
rng = np.random.default_rng(7)
REV = "0123456789abcdef0123456789abcdef01234567"


def t(*shape):
    return rng.standard_normal(shape).astype(np.float32)


# ---- checkpoint --------------------------------------------------------------------------
transformer = {}
transformer["x_embedder.weight"] = t(8, 4)
transformer["x_embedder.bias"] = t(8)
for b in range(4):
    for p in ["to_q", "to_k", "to_v"]:
        transformer[f"transformer_blocks.{b}.attn.{p}.weight"] = t(8, 8)
        transformer[f"transformer_blocks.{b}.attn.{p}.bias"] = t(8)
    transformer[f"transformer_blocks.{b}.attn.to_out.0.weight"] = t(8, 8)
    transformer[f"transformer_blocks.{b}.ff.net.0.proj.weight"] = t(16, 8)
    transformer[f"transformer_blocks.{b}.norm1.linear.weight"] = t(24, 8)
for b in range(2):
    transformer[f"single_transformer_blocks.{b}.linear1.weight"] = t(8, 8)
    transformer[f"single_transformer_blocks.{b}.norm.linear.weight"] = t(8, 8)
transformer["pos_embed.freqs"] = t(4)  # deliberately unmapped
transformer["proj_out.weight"] = t(4, 8)
transformer["proj_out.bias"] = t(4)

vae = {}
vae["decoder.conv_in.weight"] = t(4, 4, 3, 3)
vae["decoder.conv_in.bias"] = t(4)
for b in range(3):
    vae[f"decoder.up_blocks.{b}.resnets.0.conv1.weight"] = t(4, 4, 3, 3)
vae["decoder.conv_out.weight"] = t(3, 4, 3, 3)

text_encoder = {}
text_encoder["model.embed_tokens.weight"] = t(10, 8)
for layer in range(2):
    text_encoder[f"model.layers.{layer}.self_attn.q_proj.weight"] = t(8, 8)
    text_encoder[f"model.layers.{layer}.mlp.up_proj.weight"] = t(16, 8)
text_encoder["lm_head.weight"] = t(10, 8)  # deliberately unmapped

cache = HfCache(os.path.join(out, "hub"), "acme/Nova-1", REV)
place = cache.place

keys = sorted(transformer)
shards = {"diffusion_pytorch_model-00001-of-00002.safetensors": keys[: len(keys) // 2], "diffusion_pytorch_model-00002-of-00002.safetensors": keys[len(keys) // 2:]}
weight_map = {}
for name, ks in shards.items():
    place(f"transformer/{name}", lambda p, ks=ks: write_safetensors(p, {k: transformer[k] for k in ks}))
    weight_map.update({k: name for k in ks})


def write_json(obj):
    def w(p):
        with open(p, "w") as f:
            json.dump(obj, f, indent=1)
    return w


place("transformer/diffusion_pytorch_model.safetensors.index.json", write_json({"metadata": {"total_size": 0}, "weight_map": weight_map}))
place("transformer/config.json", write_json({"num_layers": 4}))
place("vae/diffusion_pytorch_model.safetensors", lambda p: write_safetensors(p, vae))
place("text_encoder/model.safetensors", lambda p: write_safetensors(p, text_encoder))
place("model_index.json", write_json({"_class_name": "NovaPipeline"}))

# ---- mflux-like repo -------------------------------------------------------------------------
root = os.path.join(out, "repo")


repo = Repo(root, ["mflux", "mflux/models", "mflux/models/common", "mflux/models/common/weights", "mflux/models/common/weights/mapping",
                   "mflux/models/common/weights/loading", "mflux/models/nova", "mflux/models/nova/weights", "mflux/models/shared",
                   "mflux/models/shared/weights"])
write = repo.write
repo.weight_mapping(mlx=True)
repo.weight_definition(["key_transform: Callable | None = None"])
write("src/mflux/models/shared/weights/shared_weight_mapping.py", '''from mflux.models.common.weights.mapping.weight_mapping import WeightMapping, WeightTarget


class SharedWeightMapping(WeightMapping):
    @staticmethod
    def get_vae_mapping() -> list[WeightTarget]:
        return [
            WeightTarget(to_pattern="decoder.conv_in.conv2d.weight", from_pattern=["decoder.conv_in.weight"]),
            WeightTarget(to_pattern="decoder.conv_in.conv2d.bias", from_pattern=["decoder.conv_in.bias"]),
            # max_blocks=2: up_blocks.2 stays unmapped (deliberate gap)
            WeightTarget(
                to_pattern="decoder.up_blocks.{block}.resnets.0.conv1.weight",
                from_pattern=["decoder.up_blocks.{block}.resnets.0.conv1.weight"],
                max_blocks=2,
            ),
            WeightTarget(to_pattern="decoder.conv_out.weight", from_pattern=["decoder.conv_out.weight"]),
            WeightTarget(
                to_pattern="decoder.up_blocks.{block}.resnets.0.conv_shortcut.weight",
                from_pattern=["decoder.up_blocks.{block}.resnets.0.conv_shortcut.weight"],
                required=False,
            ),
        ]
''')
MAPPING = '''from mflux.models.common.weights.mapping.weight_mapping import WeightMapping, WeightTarget

PREFIX = "transformer_blocks"


class NovaWeightMapping(WeightMapping):
    @staticmethod
    def get_transformer_mapping() -> list[WeightTarget]:
        targets = [
            WeightTarget(to_pattern="x_embedder.weight", from_pattern=["x_embedder.weight"]),
            WeightTarget(to_pattern="x_embedder.bias", from_pattern=["x_embedder.bias"]),
            WeightTarget(
                to_pattern="proj_out.weight",
                from_pattern=["proj_out.weight"],
            ),
            # typo: the checkpoint says proj_out.bias (deliberate required miss)
            WeightTarget(to_pattern="proj_out.bias", from_pattern=["proj_out.biass"]),
        ]
        for proj in ["to_q", "to_k"]:
            targets.append(
                WeightTarget(
                    to_pattern=f"blocks.{{block}}.attn.{proj}.weight",
                    from_pattern=[f"{PREFIX}.{{block}}.attn.{proj}.weight"],
                )
            )
        targets.extend(NovaWeightMapping._biases("to_q"))
        targets.extend(NovaWeightMapping._biases(kind="to_k"))
        targets += [
            WeightTarget(to_pattern="blocks.{block}.attn.out.weight", from_pattern=["transformer_blocks.{block}.attn.to_out.0.weight"]),
            WeightTarget(to_pattern="blocks.{block}.ff.proj.weight", from_pattern=["transformer_blocks.{block}.ff.net.0.proj.weight"]),
            WeightTarget(
                to_pattern="single.{block}.linear1.weight",
                from_pattern=["single_transformer_blocks.{block}.linear1.weight"],
                max_blocks=2,
            ),
            WeightTarget(to_pattern="norm" + "_computed.{block}.weight", from_pattern=["transformer_blocks.{block}.norm1." + "".join(["lin", "ear"]) + ".weight"]),
        ]
        return targets

    @staticmethod
    def _biases(kind: str) -> list[WeightTarget]:
        return [WeightTarget(to_pattern=f"blocks.{{block}}.attn.{kind}.bias", from_pattern=[f"transformer_blocks.{{block}}.attn.{kind}.bias"])]

    @staticmethod
    def get_text_encoder_mapping() -> list[WeightTarget]:
        return [
            WeightTarget(to_pattern="embed_tokens.weight", from_pattern=["model.embed_tokens.weight"]),
            WeightTarget(to_pattern="layers.{layer}.attn.q.weight", from_pattern=["model.layers.{layer}.self_attn.q_proj.weight"]),
            WeightTarget(to_pattern="layers.{layer}.mlp.up.weight", from_pattern=["model.layers.{layer}.mlp.up_proj.weight"]),
            WeightTarget(to_pattern="layers.{layer}.mlp.gate.weight", from_pattern=["model.layers.{layer}.mlp.gate_proj.weight"]),
        ]
'''
write("src/mflux/models/nova/weights/nova_weight_mapping.py", MAPPING)
write("src/mflux/models/nova/weights/nova_weight_definition.py", '''from mflux.models.common.weights.loading.weight_definition import ComponentDefinition
from mflux.models.nova.weights.nova_weight_mapping import NovaWeightMapping
from mflux.models.shared.weights.shared_weight_mapping import SharedWeightMapping


class NovaWeightDefinition:
    @staticmethod
    def get_components() -> list[ComponentDefinition]:
        return [
            ComponentDefinition(name="vae", hf_subdir="vae", mapping_getter=SharedWeightMapping.get_vae_mapping),
            ComponentDefinition(
                name="transformer",
                hf_subdir="transformer",
                num_blocks=4,
                mapping_getter=NovaWeightMapping.get_transformer_mapping,
            ),
            ComponentDefinition(name="text_encoder", hf_subdir="text_encoder", num_layers=2, mapping_getter=NovaWeightMapping.get_text_encoder_mapping),
        ]
''')
# A stand-in for MLX so the mapping modules import on any machine (the dump test uses it too).
shim = os.path.join(out, "mlxshim")
os.makedirs(os.path.join(shim, "mlx"), exist_ok=True)
open(os.path.join(shim, "mlx", "__init__.py"), "w").close()
with open(os.path.join(shim, "mlx", "core.py"), "w") as f:
    f.write("array = object\n")
# mflux's WeightMapper stand-in: expands {block} over max_blocks/num_blocks and {layer} over num_layers.
write("src/mflux/models/common/weights/mapping/weight_mapper.py", '''class WeightMapper:
    @staticmethod
    def _build_flat_mapping(mapping, num_blocks=0, num_layers=28):
        flat = {}
        for t in mapping:
            for hf in t.from_pattern:
                if "{block}" in hf:
                    n = t.max_blocks if t.max_blocks is not None else (num_blocks or 4)
                    pairs = [(hf.replace("{block}", str(i)), t.to_pattern.replace("{block}", str(i))) for i in range(n)]
                elif "{layer}" in hf:
                    pairs = [(hf.replace("{layer}", str(i)), t.to_pattern.replace("{layer}", str(i))) for i in range(num_layers)]
                else:
                    pairs = [(hf, t.to_pattern)]
                for k, v in pairs:
                    flat.setdefault(k, []).append((v, t.transform))
        return flat
''')

# ---- expected coverage, computed by importing the mapping and enumerating ------------------
sys.path[:0] = [shim, os.path.join(root, "src")]
definition = importlib.import_module("mflux.models.nova.weights.nova_weight_definition").NovaWeightDefinition
checkpoint = {"transformer": transformer, "vae": vae, "text_encoder": text_encoder}
expected = {"full": {}, "static": {}}
for comp in definition.get_components():
    targets = comp.mapping_getter()
    for mode in ["full", "static"]:
        # The static reader cannot evaluate "".join(...) or "a" + computed values: leave that target out.
        ts = [x for x in targets if not (mode == "static" and "_computed" in x.to_pattern)]
        ck = list(checkpoint[comp.name].keys())
        consumed = set()
        unmatched = []
        for x in ts:
            for pat in x.from_pattern:
                if "{block}" in pat:
                    bound = x.max_blocks if x.max_blocks is not None else comp.num_blocks
                    concrete = {pat.replace("{block}", str(i)) for i in range(bound if bound is not None else 1000)}
                elif "{layer}" in pat:
                    concrete = {pat.replace("{layer}", str(i)) for i in range(comp.num_layers if comp.num_layers is not None else 1000)}
                else:
                    concrete = {pat}
                hit = concrete & set(ck)
                consumed |= hit
                if not hit:
                    unmatched.append({"pattern": pat, "required": x.required})
        # The same misses as mflux's mapper would list them: one concrete key per expanded block.
        concrete_missing = {True: [], False: []}
        for x in ts:
            for pat in x.from_pattern:
                if "{block}" in pat:
                    n = x.max_blocks if x.max_blocks is not None else (comp.num_blocks or 4)
                    keys = [pat.replace("{block}", str(i)) for i in range(n)]
                elif "{layer}" in pat:
                    keys = [pat.replace("{layer}", str(i)) for i in range(comp.num_layers if comp.num_layers is not None else 28)]
                else:
                    keys = [pat]
                concrete_missing[bool(x.required)] += [k for k in keys if k not in checkpoint[comp.name]]
        expected[mode][comp.name] = {
            "unmatched_required_concrete": sorted(concrete_missing[True]),
            "unmatched_optional_concrete": sorted(concrete_missing[False]),
            "total": len(ck),
            "unmapped": [k for k in ck if k not in consumed],
            "unmatched_required": [u["pattern"] for u in unmatched if u["required"]],
            "unmatched_optional": [u["pattern"] for u in unmatched if not u["required"]],
            "targets": len(ts),
        }
expected["computed_line"] = next(i + 1 for i, line in enumerate(MAPPING.splitlines()) if "_computed" in line)
expected["revision"] = REV
expected["params"] = {name: int(sum(v.size for v in d.values())) for name, d in checkpoint.items()}
expected["tensors"] = {name: {k: {"shape": list(v.shape), "dtype": "F32"} for k, v in d.items()} for name, d in checkpoint.items()}
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
