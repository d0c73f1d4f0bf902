// The two tiny runner scripts of a port: a reference script (diffusers, in the reference repo,
// refTemplate.ts) and an MLX script (mflux, mlxTemplate.ts). Deliberately boring and hard-coded
// (pairSettings.ts); the reference exports its initial latents and the MLX side loads them;
// both dump per-step latents and the VAE-decode input and output under the same names.
import { join } from 'node:path';

export const DEFAULT_REF_SCRIPT = 'port_runners/run_{model}_ref.py';
export const DEFAULT_MLX_SCRIPT = 'port_runners/run_{model}_mlx.py';

/** Where a port's runner script lives, relative to its repo (`{model}` is the package name). */
export function scriptPath(repo: string, pattern: string, model: string): string {
  return join(repo, pattern.replace(/\{model\}/g, model));
}

/** The golden image test mflux keeps per model. */
export function goldenTestPath(model: string): string {
  return `tests/image_generation/test_generate_image_${model}.py`;
}

export { referenceScript } from './refTemplate';
export { mlxScript } from './mlxTemplate';
export { RUNNER_SETTINGS } from './pairSettings';
