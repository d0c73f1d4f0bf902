// The runner pair of the demo workspace: a PyTorch reference and a NumPy stand-in for the MLX
// side (MLX needs Apple Silicon; NumPy runs anywhere), so Run Both works on any machine and
// ends in the parity report. The stand-in computes in channels-last like MLX and uses the tanh
// GELU on purpose, so the report has a first divergence to point at (`vae.act`).
// Add `runnersDemoStep` to DEMO_STEPS in demo-workspace.ts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The part of the fixture workspace this step needs. */
interface DemoWorkspace {
  readonly mflux: string;
  readonly diffusers?: string;
}

export const DEMO_REF_SCRIPT = `"""Demo reference runner (PyTorch): a tiny latent decoder standing in for a diffusers VAE."""

import torch
from torch import nn
from mflux_port_probe import capture, dump

torch.manual_seed(0)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(4, 16, 3, padding=1)
        self.act = nn.GELU()
        self.conv_out = nn.Conv2d(16, 3, 3, padding=1)

    def forward(self, z):
        return torch.tanh(self.conv_out(self.act(self.conv_in(z))))


decoder = Decoder().eval()
for name, value in decoder.state_dict().items():
    dump(f"weights.{name}", value)  # the stand-in loads these: same weights on both sides

# The RNG trick: the MLX side loads these exact latents instead of drawing its own.
latents = torch.randn(1, 4, 32, 32)
dump("initial_latents", latents)

sigmas = torch.linspace(1.0, 0.0, 5)
x = latents
for step in range(4):
    noise_pred = 0.5 * x + 0.1 * torch.sin(3.0 * x)
    dump("noise_pred", noise_pred, step=step)
    x = x - (sigmas[step] - sigmas[step + 1]) * noise_pred

z = x / 0.3611
dump("vae_decode_input", z)
with torch.no_grad(), capture(decoder, prefix="vae"):
    image = decoder(z)
dump("vae_decode_output", image)
print(f"reference: decoded {tuple(image.shape)}")
`;

export const DEMO_MLX_SCRIPT = `"""Demo MLX runner, NumPy stand-in: the same decoder computed channels-last (NHWC), like MLX.

MLX needs Apple Silicon; this stand-in lets the demo run anywhere. It uses the tanh
approximation of GELU where the reference uses the exact erf form, so the parity report
has a real first divergence to find at vae.act.
"""

import numpy as np
from mflux_port_probe import dump, load


def conv2d_nhwc(x, weight_oihw, bias):
    """3x3 convolution, padding 1, x in NHWC, weight in PyTorch's OIHW layout."""
    w = np.transpose(weight_oihw, (2, 3, 1, 0))  # -> kH, kW, I, O
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    h, wd = x.shape[1], x.shape[2]
    out = np.zeros((x.shape[0], h, wd, w.shape[3]), dtype=np.float32)
    for i in range(3):
        for j in range(3):
            out += np.einsum("nhwc,co->nhwo", padded[:, i:i + h, j:j + wd, :], w[i, j])
    return out + bias


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


weights = {k: load(f"weights.{k}", side="ref") for k in ("conv_in.weight", "conv_in.bias", "conv_out.weight", "conv_out.bias")}
latents = load("initial_latents", side="ref")

sigmas = np.linspace(1.0, 0.0, 5, dtype=np.float32)
x = latents
for step in range(4):
    noise_pred = 0.5 * x + 0.1 * np.sin(3.0 * x)
    dump("noise_pred", noise_pred, step=step)
    x = x - (sigmas[step] - sigmas[step + 1]) * noise_pred

z = x / 0.3611
dump("vae_decode_input", z)
h = np.transpose(z, (0, 2, 3, 1)).astype(np.float32)  # NCHW -> NHWC
h = dump("vae.conv_in", conv2d_nhwc(h, weights["conv_in.weight"], weights["conv_in.bias"]))
h = dump("vae.act", gelu_tanh(h))
h = dump("vae.conv_out", conv2d_nhwc(h, weights["conv_out.weight"], weights["conv_out.bias"]))
image = dump("vae", np.tanh(h))
dump("vae_decode_output", image)
print(f"mlx stand-in: decoded {image.shape} (NHWC)")
`;

/** Runner settings that make the pair run here: Debian's python3, no uv, MLX side allowed off Apple Silicon. */
export const DEMO_RUNNER_SETTINGS = {
  'mfluxPort.runner.commandTemplate': '/usr/bin/python3 {script}',
  'mfluxPort.runner.allowMlxOffAppleSilicon': true,
};

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Writes the pair at the default runner paths and merges the runner settings into the mflux folder's settings. */
export function writeDemoRunnerPair(ws: DemoWorkspace, model: string): void {
  if (!ws.diffusers) throw new Error('the runner demo needs the diffusers sibling checkout');
  write(join(ws.diffusers, 'port_runners', `run_${model}_ref.py`), DEMO_REF_SCRIPT);
  write(join(ws.mflux, 'port_runners', `run_${model}_mlx.py`), DEMO_MLX_SCRIPT);
  const settingsFile = join(ws.mflux, '.vscode', 'settings.json');
  const current = existsSync(settingsFile) ? (JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>) : {};
  write(settingsFile, JSON.stringify({ ...current, ...DEMO_RUNNER_SETTINGS }, null, 2) + '\n');
}

/** The demo step (shape of DemoStep in demo-workspace.ts). */
export const runnersDemoStep = {
  title: 'runner pair: PyTorch reference + NumPy stand-in for MLX (Run Both works here)',
  run(ws: DemoWorkspace): void {
    writeDemoRunnerPair(ws, 'z_image');
  },
};
