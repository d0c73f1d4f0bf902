// The reference runner (diffusers). Checked against diffusers' FluxPipeline, QwenImagePipeline,
// ZImagePipeline and Flux2Pipeline at 58eb52c080: `__call__(prompt, negative_prompt, height, width,
// num_inference_steps, guidance_scale / true_cfg_scale, generator, callback_on_step_end,
// callback_on_step_end_tensor_inputs, max_sequence_length)`, `prepare_latents(...)` returning the
// latents (Flux: with the image ids), `vae.decode(latents, return_dict=False)[0]`.
import { RUNNER_SETTINGS, pyString, type RunnerSettings } from './pairSettings';

export function referenceScript(p: {
  readonly model: string;
  readonly settings?: Partial<RunnerSettings>;
  readonly modelId: string;
}): string {
  const s = { ...RUNNER_SETTINGS, ...p.settings };
  return `"""Reference runner for the ${p.model} port (written by mflux Port Studio).

Hard-coded on purpose: change the constants, keep the structure, keep them equal to the MLX
runner's. Run it with "mflux Port: Run Reference" (or Run Both); the probe writes into this
run's folder debug_artifacts/<run_id>/ref and does nothing when run by hand.
"""

import inspect
import os

import torch
from diffusers import DiffusionPipeline
from mflux_port_probe import dump, run_dir, set_step

MODEL_ID = ${pyString(p.modelId)}
PROMPT = ${pyString(s.prompt)}
NEGATIVE_PROMPT = ${pyString(s.negativePrompt)}  # mflux turns an empty negative prompt into " "
SEED = ${s.seed}
STEPS = ${s.steps}
WIDTH = ${s.width}
HEIGHT = ${s.height}
# mflux's \`guidance\`. diffusers defaults differ per pipeline (Flux 3.5, mflux Flux 4.0): pin it.
GUIDANCE = ${s.guidance}
MAX_SEQUENCE_LENGTH = ${s.maxSequenceLength}
DEVICE = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
# MFLUX_PORT_VARIANT=floor ("Run Reference (noise floor)"): this run again with one numeric
# change, float32 instead of bfloat16, into its own run folder. \`mflux-port compare REF MLX
# --noise-floor FLOOR_RUN\` then takes each layer's REF-vs-FLOOR error as the reference's own noise.
VARIANT = os.environ.get("MFLUX_PORT_VARIANT", "")
DTYPE = torch.float32 if VARIANT == "floor" else torch.bfloat16

pipe = DiffusionPipeline.from_pretrained(MODEL_ID, torch_dtype=DTYPE).to(DEVICE)

# Which __call__ argument is mflux's \`guidance\`: real classifier-free guidance is
# \`true_cfg_scale\` in QwenImagePipeline, \`guidance_scale\` elsewhere (FluxPipeline: the distilled
# guidance embedding; true CFG off at 1.0, as in mflux).
GUIDANCE_ARGUMENT = {"QwenImagePipeline": "true_cfg_scale"}.get(type(pipe).__name__, "guidance_scale")

# The RNG trick: PyTorch and MLX random generators differ, so export the exact initial
# latents; the MLX runner loads them instead of drawing its own noise.
_prepare_latents = pipe.prepare_latents


def prepare_latents(*args, **kwargs):
    out = _prepare_latents(*args, **kwargs)
    dump("initial_latents", out[0] if isinstance(out, tuple) else out)
    set_step(0, total=STEPS)  # the denoising loop starts next: what it dumps is @step000, @step001…
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


def on_step_end(_pipe, i, _t, callback_kwargs):
    """diffusers calls this after step i: latents@step00i; everything dumped in step i+1 gets @step00(i+1)."""
    dump("latents", callback_kwargs["latents"], step=i)
    set_step(i + 1 if i + 1 < STEPS else None, total=STEPS)
    return {}


call = {
    "prompt": PROMPT,
    "negative_prompt": NEGATIVE_PROMPT,
    "width": WIDTH,
    "height": HEIGHT,
    "num_inference_steps": STEPS,
    GUIDANCE_ARGUMENT: GUIDANCE,
    "max_sequence_length": MAX_SEQUENCE_LENGTH,
    "generator": torch.Generator("cpu").manual_seed(SEED),
    "callback_on_step_end": on_step_end,
    "callback_on_step_end_tensor_inputs": ["latents"],
}
if GUIDANCE_ARGUMENT != "true_cfg_scale":
    call["true_cfg_scale"] = 1.0
accepted = inspect.signature(type(pipe).__call__).parameters
left_out = [k for k in call if k not in accepted]
if left_out:
    print(f"{type(pipe).__name__}.__call__ takes no {', '.join(left_out)}: left out (pin them another way)")
image = pipe(**{k: v for k, v in call.items() if k in accepted}).images[0]
image.save(os.path.join(run_dir() or ".", "image_ref.png"))
`;
}
