"""Bench data for bench/mflux.bench.ts (written once into bench/data/mflux):
- keys.json: checkpoint keys of a FLUX-sized transformer (19 double + 38 single blocks) and a
  36-layer text encoder;
- repo/: an mflux-like tree whose weight mapping has ~150 WeightTargets with {block}/{layer};
- mlxshim/: a stand-in for mlx.core so the mapping imports without MLX;
- pkg/: a 40-file model package (300 lines each) with a few debug lines, for the hygiene scan.
"""
import json
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

double = ["attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0", "attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj", "attn.to_add_out",
          "ff.net.0.proj", "ff.net.2", "ff_context.net.0.proj", "ff_context.net.2", "norm1.linear", "norm1_context.linear"]
single = ["attn.to_q", "attn.to_k", "attn.to_v", "proj_mlp", "proj_out", "norm.linear"]
keys = {"transformer": [], "text_encoder": []}
for b in range(19):
    for p in double:
        keys["transformer"] += [f"transformer_blocks.{b}.{p}.weight", f"transformer_blocks.{b}.{p}.bias"]
    keys["transformer"] += [f"transformer_blocks.{b}.attn.norm_q.weight", f"transformer_blocks.{b}.attn.norm_k.weight"]
for b in range(38):
    for p in single:
        keys["transformer"] += [f"single_transformer_blocks.{b}.{p}.weight", f"single_transformer_blocks.{b}.{p}.bias"]
keys["transformer"] += ["x_embedder.weight", "x_embedder.bias", "context_embedder.weight", "proj_out.weight", "proj_out.bias", "pos_embed.freqs"]
te = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
for layer in range(36):
    keys["text_encoder"] += [f"model.layers.{layer}.{p}.weight" for p in te]
    keys["text_encoder"] += [f"model.layers.{layer}.input_layernorm.weight", f"model.layers.{layer}.post_attention_layernorm.weight"]
keys["text_encoder"] += ["model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"]
with open(os.path.join(out, "keys.json"), "w") as f:
    json.dump(keys, f)

targets = {"transformer": [], "text_encoder": []}
for p in double[:-1]:  # the last one left unmapped on purpose
    for s in ["weight", "bias"]:
        targets["transformer"].append((f"double.{{block}}.{p}.{s}", f"transformer_blocks.{{block}}.{p}.{s}", 19))
for p in single:
    for s in ["weight", "bias"]:
        targets["transformer"].append((f"single.{{block}}.{p}.{s}", f"single_transformer_blocks.{{block}}.{p}.{s}", 38))
for k in ["x_embedder.weight", "x_embedder.bias", "context_embedder.weight", "proj_out.weight", "proj_out.bias"]:
    targets["transformer"].append((k, k, None))
for p in te + ["input_layernorm", "post_attention_layernorm"]:
    targets["text_encoder"].append((f"layers.{{layer}}.{p}.weight", f"model.layers.{{layer}}.{p}.weight", None))
targets["text_encoder"] += [("embed_tokens.weight", "model.embed_tokens.weight", None), ("norm.weight", "model.norm.weight", None)]
# Pad to a realistic size with targets that match nothing (as a half-written mapping has).
for i in range(60):
    targets["transformer"].append((f"extra.{{block}}.p{i}.weight", f"transformer_blocks.{{block}}.extra{i}.weight", 19))
with open(os.path.join(out, "targets.json"), "w") as f:
    json.dump(targets, f)

repo = os.path.join(out, "repo", "src", "mflux")
for d in ["", "models", "models/common", "models/common/weights", "models/common/weights/mapping", "models/big", "models/big/weights"]:
    os.makedirs(os.path.join(repo, d), exist_ok=True)
    open(os.path.join(repo, d, "__init__.py"), "w").close()
with open(os.path.join(repo, "models/common/weights/mapping/weight_mapping.py"), "w") as f:
    f.write("from dataclasses import dataclass\nfrom typing import Callable, List, Optional\n\nimport mlx.core as mx\n\n\n@dataclass\nclass WeightTarget:\n"
            "    to_pattern: str\n    from_pattern: List[str]\n    transform: Optional[Callable] = None\n    required: bool = True\n    max_blocks: Optional[int] = None\n\n\n"
            "class WeightMapping:\n    pass\n")
lines = ["from mflux.models.common.weights.mapping.weight_mapping import WeightMapping, WeightTarget", "", "", "class BigWeightMapping(WeightMapping):"]
for comp, ts in targets.items():
    lines += ["    @staticmethod", f"    def get_{comp}_mapping() -> list[WeightTarget]:", "        return ["]
    for to, frm, mb in ts:
        lines += ["            WeightTarget(", f'                to_pattern="{to}",', f'                from_pattern=["{frm}"],']
        if mb is not None:
            lines.append(f"                max_blocks={mb},")
        lines.append("            ),")
    lines += ["        ]", ""]
with open(os.path.join(repo, "models/big/weights/big_weight_mapping.py"), "w") as f:
    f.write("\n".join(lines))
shim = os.path.join(out, "mlxshim", "mlx")
os.makedirs(shim, exist_ok=True)
open(os.path.join(shim, "__init__.py"), "w").close()
with open(os.path.join(shim, "core.py"), "w") as f:
    f.write("array = object\n")

pkg = os.path.join(out, "pkg")
os.makedirs(pkg, exist_ok=True)
for i in range(40):
    body = ["import mlx.core as mx", "import numpy as np", "", ""]
    for j in range(74):
        body += [f"def f{j}(x):", f'    """Docstring mentioning np.save(x) {j}."""', "    y = x * 2  # torch.save(y) in a comment", "    return y"]
    if i % 10 == 0:
        body[20] = '    np.save("dump.npy", x)'
    with open(os.path.join(pkg, f"m{i}.py"), "w") as f:
        f.write("\n".join(body) + "\n")
with open(os.path.join(out, "done"), "w") as f:
    f.write("ok\n")
