// What both runners pin, so the two sides differ from step 0 only where the port does.
export const RUNNER_SETTINGS: {
  readonly width: number;
  readonly height: number;
  readonly seed: number;
  readonly steps: number;
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly guidance: number;
  readonly maxSequenceLength: number;
} = {
  width: 1024,
  height: 1024,
  seed: 42,
  steps: 20,
  prompt: 'A photo of a red fox sitting in fresh snow, soft morning light',
  negativePrompt: ' ',
  // diffusers FluxPipeline defaults to 3.5, mflux Flux to 4.0; guidance-free (turbo) models want 0.0
  guidance: 3.5,
  maxSequenceLength: 512,
};

export type RunnerSettings = typeof RUNNER_SETTINGS;

export function pyString(s: string): string {
  return JSON.stringify(s); // a JSON string literal is a valid Python string literal
}
