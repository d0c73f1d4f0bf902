"""Demo data for the panels (`npm run demo`): a finished comparison to open at once.

debug_artifacts/demo-parity/ref  PyTorch: a small conv/GroupNorm/attention decoder, every
                                 module's output saved with np.save (NCHW) + manifest.jsonl
debug_artifacts/demo-parity/mlx  NumPy: the same network re-implemented channels-last (NHWC),
                                 as an MLX port is, with one bug: block 2's GroupNorm uses
                                 eps=1e-2 instead of 1e-6
debug_artifacts/demo-images/{ref,mlx}   stepwise PNGs (seed_42_step{k}of8.png)
tests/resources/{reference,output}_z_image.png   a golden-test pair
weights/z_image_tiny.safetensors                  a small checkpoint for the tensor viewer
"""
import json
import os
import struct
import sys

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFilter

root = sys.argv[1]
torch.manual_seed(0)
rng = np.random.default_rng(0)
C, H, W = 16, 24, 24


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = torch.nn.GroupNorm(4, C, eps=1e-6)
        self.conv1 = torch.nn.Conv2d(C, C, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(C, C, 3, padding=1)

    def forward(self, x):
        h = self.conv1(torch.nn.functional.silu(self.norm(x)))
        return x + self.conv2(torch.nn.functional.silu(h))


class Attn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = torch.nn.GroupNorm(4, C, eps=1e-6)
        self.qkv = torch.nn.Linear(C, 3 * C)
        self.out = torch.nn.Linear(C, C)

    def forward(self, x):
        b, c, h, w = x.shape
        t = self.norm(x).flatten(2).transpose(1, 2)
        q, k, v = self.qkv(t).chunk(3, dim=-1)
        a = torch.softmax(q @ k.transpose(1, 2) / c ** 0.5, dim=-1) @ v
        return x + self.out(a).transpose(1, 2).reshape(b, c, h, w)


class Decoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = torch.nn.Conv2d(4, C, 3, padding=1)
        self.blocks = torch.nn.ModuleList([Block() for _ in range(4)])
        self.mid_attn = Attn()
        self.norm_out = torch.nn.GroupNorm(4, C, eps=1e-6)
        self.conv_out = torch.nn.Conv2d(C, 3, 3, padding=1)


model = Decoder().eval()
latents = torch.randn(1, 4, H, W)
names = ['conv_in'] + [f'blocks.{i}' for i in range(4)] + ['mid_attn', 'norm_out', 'conv_out']


def run_torch():
    outs = {}
    with torch.no_grad():
        x = model.conv_in(latents); outs['conv_in'] = x
        for i, b in enumerate(model.blocks):
            x = b(x); outs[f'blocks.{i}'] = x
        x = model.mid_attn(x); outs['mid_attn'] = x
        x = model.norm_out(x); outs['norm_out'] = x
        x = model.conv_out(torch.nn.functional.silu(x)); outs['conv_out'] = x
    return {k: v.numpy().astype(np.float32) for k, v in outs.items()}


# ---- the NumPy port, channels-last --------------------------------------------------------
P = {k: v.detach().numpy().astype(np.float64) for k, v in model.state_dict().items()}


def conv(x, w, b):  # x [N,H,W,Cin], torch weight [Cout,Cin,3,3]
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(1, 2))  # N,H,W,Cin,3,3
    return np.einsum('nhwcij,ocij->nhwo', win, w) + b


def group_norm(x, g, b, groups=4, eps=1e-6):
    n, h, w, c = x.shape
    xg = x.reshape(n, h, w, groups, c // groups)
    mu = xg.mean(axis=(1, 2, 4), keepdims=True)
    var = xg.var(axis=(1, 2, 4), keepdims=True)
    return ((xg - mu) / np.sqrt(var + eps)).reshape(n, h, w, c) * g + b


def silu(x):
    return x / (1 + np.exp(-x))


def run_numpy():
    outs = {}
    x = conv(latents.numpy().transpose(0, 2, 3, 1).astype(np.float64), P['conv_in.weight'], P['conv_in.bias']); outs['conv_in'] = x
    for i in range(4):
        p = f'blocks.{i}.'
        eps = 1e-2 if i == 2 else 1e-6  # the bug
        h = conv(silu(group_norm(x, P[p + 'norm.weight'], P[p + 'norm.bias'], eps=eps)), P[p + 'conv1.weight'], P[p + 'conv1.bias'])
        x = x + conv(silu(h), P[p + 'conv2.weight'], P[p + 'conv2.bias']); outs[f'blocks.{i}'] = x
    n, h, w, c = x.shape
    t = group_norm(x, P['mid_attn.norm.weight'], P['mid_attn.norm.bias']).reshape(n, h * w, c)
    qkv = t @ P['mid_attn.qkv.weight'].T + P['mid_attn.qkv.bias']
    q, k, v = np.split(qkv, 3, axis=-1)
    s = q @ k.transpose(0, 2, 1) / c ** 0.5
    s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
    x = x + ((s @ v) @ P['mid_attn.out.weight'].T + P['mid_attn.out.bias']).reshape(n, h, w, c); outs['mid_attn'] = x
    x = group_norm(x, P['norm_out.weight'], P['norm_out.bias']); outs['norm_out'] = x
    x = conv(silu(x), P['conv_out.weight'], P['conv_out.bias']); outs['conv_out'] = x
    return {k: v.astype(np.float32) for k, v in outs.items()}


run = os.path.join(root, 'debug_artifacts', 'demo-parity')
for side, outs in (('ref', run_torch()), ('mlx', run_numpy())):
    d = os.path.join(run, side)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'manifest.jsonl'), 'w') as f:
        for n in names:
            np.save(os.path.join(d, f'{n}.npy'), outs[n])
            f.write(json.dumps({'name': n, 'file': f'{n}.npy'}) + '\n')


# ---- images ---------------------------------------------------------------------------------
def scene(w, h, noise):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    sky = np.stack([40 + 80 * y / h, 90 + 90 * y / h, 200 - 60 * y / h], axis=-1)
    img = Image.fromarray(np.clip(sky, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    d.ellipse([w * 0.62, h * 0.12, w * 0.82, h * 0.12 + w * 0.2], fill=(250, 214, 110))
    d.polygon([(0, h * 0.75), (w * 0.25, h * 0.42), (w * 0.45, h * 0.7), (w * 0.7, h * 0.38), (w, h * 0.72), (w, h), (0, h)], fill=(46, 74, 60))
    d.polygon([(0, h * 0.9), (w * 0.3, h * 0.7), (w * 0.6, h * 0.88), (w, h * 0.78), (w, h), (0, h)], fill=(28, 48, 38))
    a = np.asarray(img).astype(np.float64) + rng.normal(0, noise, (h, w, 3))
    return np.clip(a, 0, 255)


def drift(a, k):
    b = a.copy()
    h, w, _ = b.shape
    b[..., 2] *= 1 + 0.01 * k
    patch = Image.fromarray(a[h // 3: h // 3 + h // 4, w // 8: w // 8 + w // 4].astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.4 * k))
    b[h // 3: h // 3 + h // 4, w // 8: w // 8 + w // 4] = np.asarray(patch)
    return np.clip(b + rng.normal(0, 0.6 * k, b.shape), 0, 255).astype(np.uint8)


imgs = os.path.join(root, 'debug_artifacts', 'demo-images')
for side in ('ref', 'mlx'):
    os.makedirs(os.path.join(imgs, side), exist_ok=True)
final = scene(256, 192, 2)
for k in range(1, 9):
    r = np.clip(final + rng.normal(0, 70 * (8 - k) / 8, final.shape), 0, 255)
    Image.fromarray(r.astype(np.uint8)).save(os.path.join(imgs, 'ref', f'seed_42_step{k}of8.png'))
    Image.fromarray(drift(r, k)).save(os.path.join(imgs, 'mlx', f'seed_42_step{k}of8.png'))
res = os.path.join(root, 'tests', 'resources')
os.makedirs(res, exist_ok=True)
Image.fromarray(final.astype(np.uint8)).save(os.path.join(res, 'reference_z_image.png'))
Image.fromarray(drift(final, 5)).save(os.path.join(res, 'output_z_image.png'))

# ---- a small checkpoint ---------------------------------------------------------------------
tensors = {}
for i in range(6):
    for part, shape in (('attn.to_q.weight', (256, 256)), ('attn.to_k.weight', (256, 256)), ('attn.to_v.weight', (256, 256)), ('ff.w1.weight', (512, 256)), ('norm.weight', (256,))):
        tensors[f'transformer.layers.{i}.{part}'] = (rng.normal(0, 0.02, shape) + (np.eye(*shape) * 0.5 if len(shape) == 2 and part.startswith('attn') else 0)).astype(np.float32)
tensors['transformer.x_embedder.weight'] = rng.normal(0, 0.05, (256, 64)).astype(np.float32)
header, blobs, off = {}, [], 0
for k, v in tensors.items():
    b = v.astype(np.float16).tobytes()
    header[k] = {'dtype': 'F16', 'shape': list(v.shape), 'data_offsets': [off, off + len(b)]}
    blobs.append(b)
    off += len(b)
h = json.dumps(header).encode()
h += b' ' * ((8 - len(h) % 8) % 8)
os.makedirs(os.path.join(root, 'weights'), exist_ok=True)
with open(os.path.join(root, 'weights', 'z_image_tiny.safetensors'), 'wb') as f:
    f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
