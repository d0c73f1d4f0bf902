// The MLX runner (mflux). Checked against mflux 97ac5e6: `<Model>.generate_image(seed, prompt,
// num_inference_steps, height, width, guidance, negative_prompt)`, the model's `callbacks`
// registry (`register(obj)` with `call_before_loop(seed, prompt, latents, config, …)` and
// `call_in_loop(t, seed, prompt, latents, config, time_steps)`, t = 0, 1, … as in diffusers'
// callback), `<Model>LatentCreator.create_noise(seed, height, width)`, `model.vae.decode` reached
// through VAEUtil.decode, and `model.model_config.max_sequence_length`.
import { conventionalEntry, type MlxEntry } from './mlxEntry';
import { RUNNER_SETTINGS, pyString, type RunnerSettings } from './pairSettings';

export function mlxScript(p: { readonly model: string; readonly entry?: MlxEntry; readonly settings?: Partial<RunnerSettings> }): string {
  const { model: m, latentCreator: lc } = p.entry ?? conventionalEntry(p.model);
  const s = { ...RUNNER_SETTINGS, ...p.settings };
  return `"""MLX runner for the ${p.model} port (written by mflux Port Studio).

Hard-coded on purpose: the same constants as the reference runner. Run it with
"mflux Port: Run MLX" (or Run Both); it loads the reference's initial latents from
the same run and dumps the same checkpoints into debug_artifacts/<run_id>/mlx.
"""

import inspect
import os

import mlx.core as mx
from mflux_port_probe import dump, load, run_dir, set_step

from ${lc.module} import ${lc.cls}
from ${m.module} import ${m.cls}

PROMPT = ${pyString(s.prompt)}
NEGATIVE_PROMPT = ${pyString(s.negativePrompt)}
SEED = ${s.seed}
STEPS = ${s.steps}
WIDTH = ${s.width}
HEIGHT = ${s.height}
GUIDANCE = ${s.guidance}
MAX_SEQUENCE_LENGTH = ${s.maxSequenceLength}

# The RNG trick: start from the reference's exact initial latents, not MLX's own noise.
# (If the reference exports unpacked latents and the port draws packed ones, pack them here.)
initial_latents = load("initial_latents", side="ref", framework="mlx")
if hasattr(${lc.cls}, "create_noise"):
    ${lc.cls}.create_noise = staticmethod(lambda *args, **kwargs: initial_latents)
else:
    print("${lc.cls} has no create_noise: patch where this model draws its noise so it starts from initial_latents")

model = ${m.cls}()
_msl = getattr(getattr(model, "model_config", None), "max_sequence_length", None)
if _msl is not None and _msl != MAX_SEQUENCE_LENGTH:
    print(f"max_sequence_length differs: mflux's model config says {_msl}, the runners pin {MAX_SEQUENCE_LENGTH}")


class Checkpoints:
    """mflux's callbacks: the starting latents, then latents@step00t after each step t."""

    def call_before_loop(self, seed, prompt, latents, config, canny_image=None, depth_image=None):
        dump("initial_latents", latents)
        set_step(0, total=STEPS)

    def call_in_loop(self, t, seed, prompt, latents, config, time_steps):
        dump("latents", latents, step=t)
        set_step(t + 1 if t + 1 < STEPS else None, total=STEPS)


model.callbacks.register(Checkpoints())

# Checkpoints at the VAE, under the same names as the reference runner.
_decode = model.vae.decode


def decode(z, *args, **kwargs):
    dump("vae_decode_input", z)
    out = _decode(z, *args, **kwargs)
    mx.eval(out)
    dump("vae_decode_output", out)
    return out


model.vae.decode = decode

call = {
    "seed": SEED,
    "prompt": PROMPT,
    "negative_prompt": NEGATIVE_PROMPT,
    "num_inference_steps": STEPS,
    "width": WIDTH,
    "height": HEIGHT,
    "guidance": GUIDANCE,
}
accepted = inspect.signature(model.generate_image).parameters
left_out = [k for k in call if k not in accepted]
if left_out:
    print(f"{type(model).__name__}.generate_image takes no {', '.join(left_out)}: left out (pin them another way)")
image = model.generate_image(**{k: v for k, v in call.items() if k in accepted})
image.save(path=os.path.join(run_dir() or ".", "image_mlx.png"))
`;
}
