// The two tiny runner scripts of a port: a reference script (diffusers, in the reference repo)
// and an MLX script (mflux). Deliberately boring and hard-coded: 1024×1024, one prompt, one
// seed, fixed steps; the reference exports its initial latents and the MLX side loads them;
// both dump the VAE-decode input and output under the same names.
import { join } from 'node:path';
import { modelNames } from '../mflux/naming';

export const DEFAULT_REF_SCRIPT = 'port_runners/run_{model}_ref.py';
export const DEFAULT_MLX_SCRIPT = 'port_runners/run_{model}_mlx.py';
export const PAIR_SETTINGS = { width: 1024, height: 1024, seed: 42, steps: 20, prompt: 'A photo of a red fox sitting in fresh snow, soft morning light' };

/** Where a port's runner script lives, relative to its repo (`{model}` is the package name). */
export function scriptPath(repo: string, pattern: string, model: string): string {
  return join(repo, pattern.replace(/\{model\}/g, model));
}

/** The golden image test mflux keeps per model. */
export function goldenTestPath(model: string): string {
  return `tests/image_generation/test_generate_image_${model}.py`;
}

function pyString(s: string): string {
  return JSON.stringify(s); // a JSON string literal is a valid Python string literal
}

export interface PairInput {
  readonly model: string;
  /** Hugging Face repo id (org/name) or a diffusers pipeline class name; may be empty. */
  readonly reference: string;
}

export function referenceScript(p: PairInput): string {
  const isRepoId = /^[\w.-]+\/[\w.-]+$/.test(p.reference);
  const s = PAIR_SETTINGS;
  return `"""Reference runner for the ${p.model} port (written by mflux Port Studio).

Hard-coded on purpose: change the constants, keep the structure. Run it with
"mflux Port: Run Reference" (or Run Both); the probe writes into this run's folder
debug_artifacts/<run_id>/ref and does nothing when run by hand.
"""

import os

import torch
from diffusers import DiffusionPipeline
from mflux_port_probe import dump, run_dir

MODEL_ID = ${pyString(isRepoId ? p.reference : '')}${isRepoId ? '' : '  # the Hugging Face repo id of the reference pipeline'}
PROMPT = ${pyString(s.prompt)}
SEED = ${s.seed}
STEPS = ${s.steps}
WIDTH = ${s.width}
HEIGHT = ${s.height}
DEVICE = "mps" if torch.backends.mps.is_available() else "cpu"
DTYPE = torch.bfloat16

pipe = DiffusionPipeline.from_pretrained(MODEL_ID, torch_dtype=DTYPE).to(DEVICE)

# The RNG trick: PyTorch and MLX random generators differ, so export the exact initial
# latents; the MLX runner loads them instead of drawing its own noise.
_prepare_latents = pipe.prepare_latents


def prepare_latents(*args, **kwargs):
    out = _prepare_latents(*args, **kwargs)
    dump("initial_latents", out[0] if isinstance(out, tuple) else out)
    return out


pipe.prepare_latents = prepare_latents

# Checkpoints at the VAE: what goes into decode, and the image tensor that comes out.
_decode = pipe.vae.decode


def decode(z, *args, **kwargs):
    dump("vae_decode_input", z)
    out = _decode(z, *args, **kwargs)
    dump("vae_decode_output", out.sample if hasattr(out, "sample") else out[0])
    return out


pipe.vae.decode = decode

image = pipe(
    prompt=PROMPT,
    width=WIDTH,
    height=HEIGHT,
    num_inference_steps=STEPS,
    generator=torch.Generator("cpu").manual_seed(SEED),
).images[0]
image.save(os.path.join(run_dir() or ".", "image_ref.png"))
`;
}

export function mlxScript(p: PairInput): string {
  const n = modelNames(p.model);
  const s = PAIR_SETTINGS;
  return `"""MLX runner for the ${p.model} port (written by mflux Port Studio).

Hard-coded on purpose: the same constants as the reference runner. Run it with
"mflux Port: Run MLX" (or Run Both); it loads the reference's initial latents from
the same run and dumps the same checkpoints into debug_artifacts/<run_id>/mlx.
"""

import os

import mlx.core as mx
from mflux_port_probe import dump, load, run_dir

from mflux.models.${n.pkg}.latent_creator.${n.pkg}_latent_creator import ${n.cls}LatentCreator
from mflux.models.${n.pkg}.variants.txt2img.${n.pkg} import ${n.cls}

PROMPT = ${pyString(s.prompt)}
SEED = ${s.seed}
STEPS = ${s.steps}
WIDTH = ${s.width}
HEIGHT = ${s.height}

# The RNG trick: start from the reference's exact initial latents, not MLX's own noise.
# (If the reference exports unpacked latents and the port draws packed ones, pack them here.)
initial_latents = load("initial_latents", side="ref", framework="mlx")
_noise = "create_noise" if hasattr(${n.cls}LatentCreator, "create_noise") else "create"
setattr(${n.cls}LatentCreator, _noise, staticmethod(lambda *args, **kwargs: initial_latents))

model = ${n.cls}()

# Checkpoints at the VAE, under the same names as the reference runner.
_decode = model.vae.decode


def decode(z, *args, **kwargs):
    dump("vae_decode_input", z)
    out = _decode(z, *args, **kwargs)
    mx.eval(out)
    dump("vae_decode_output", out)
    return out


model.vae.decode = decode

image = model.generate_image(
    seed=SEED,
    prompt=PROMPT,
    num_inference_steps=STEPS,
    width=WIDTH,
    height=HEIGHT,
)
image.save(path=os.path.join(run_dir() or ".", "image_mlx.png"))
`;
}
