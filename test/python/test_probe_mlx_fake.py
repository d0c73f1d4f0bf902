"""The probe's MLX paths against a FAKE mlx (test/python/fake_mlx) that mimics MLX's documented
array interface: lazy arrays forced by mx.eval, NumPy export through the buffer protocol,
bfloat16 readable only through a uint16 view, and nn.Module subclasses called via __call__.
Real MLX is not installed on this machine; these tests do not prove compatibility with it."""

import os
import sys
import unittest

import numpy as np
import torch

from probe_case import HERE, ProbeCase, probe

sys.path.insert(0, os.path.join(HERE, "fake_mlx"))
import mlx.core as mx  # noqa: E402  (the FAKE)
import mlx.nn as nn  # noqa: E402  (the FAKE)

assert "fake_mlx" in mx.__file__, "these tests must run against the fake, never a real MLX"


def bf16_bits_by_torch(values):
    """Independent bf16 rounding: PyTorch's float32 -> bfloat16 cast."""
    return torch.from_numpy(np.asarray(values, np.float32)).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)


class Double(nn.Module):
    """A subclass calling super().__call__: must be recorded once."""

    def __call__(self, x):
        return x * 2.0


class Quad(Double):
    def __call__(self, x):
        return super().__call__(x) * 2.0


class Holder(nn.Module):
    """A container that is never called itself (no __call__ anywhere in its classes)."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(1.0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.holder = Holder()
        self.first = nn.Linear(3.0)
        self.blocks = [nn.Linear(0.5), Quad()]
        self.seq = nn.Sequential(nn.Linear(10.0))

    def __call__(self, x):
        x = self.first(self.holder.inner(x))
        for b in self.blocks:
            x = b(x)
        return self.seq(x), x


class FakeMlxDumps(ProbeCase):
    side = "mlx"

    def test_lazy_arrays_are_evaluated_and_float32_kept(self):
        a = mx.array(np.arange(6, dtype=np.float32).reshape(2, 3))
        lazy = a * 3.0
        before = mx.evaluated_count
        self.assertIs(probe.dump("y", lazy), lazy)
        self.assertGreater(mx.evaluated_count, before)
        (e,) = self.entries()
        dtype, shape, values = self.tensor(e)
        self.assertEqual((dtype, shape), ("F32", (2, 3)))
        np.testing.assert_array_equal(values, np.arange(6, dtype=np.float32).reshape(2, 3) * 3)
        self.assertEqual(e["source"], "mlx")

    def test_bf16_goes_through_a_uint16_view(self):
        vals = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
        a = mx.array(vals, mx.bfloat16)
        with self.assertRaises(TypeError):
            np.asarray(a)  # the fake, like MLX, cannot export bf16 directly
        probe.dump("h", a)
        (e,) = self.entries()
        dtype, shape, bits = self.tensor(e)
        self.assertEqual((dtype, shape), ("BF16", (4, 3)))
        np.testing.assert_array_equal(bits, bf16_bits_by_torch(vals))

    def test_bf16_without_view_falls_back_exactly(self):
        vals = np.random.default_rng(3).standard_normal(7).astype(np.float32)
        a = mx.array(vals, mx.bfloat16)
        saved = mx.view
        del mx.view
        try:
            probe.dump("h", a)
        finally:
            mx.view = saved
        (e,) = self.entries()
        np.testing.assert_array_equal(self.tensor(e)[2], bf16_bits_by_torch(vals))

    def test_capture_wraps_call_and_restores_classes(self):
        net = Net()
        originals = {cls: cls.__dict__.get("__call__") for cls in (Net, nn.Linear, nn.Sequential, Quad, Double, Holder, nn.Module)}
        x = mx.array(np.ones(2, np.float32))
        with probe.capture(net, exclude="seq"):
            out, _ = net(x)
            other = nn.Linear(7.0)  # not part of the model: passes through unrecorded
            other(x)
        names = [e["name"] for e in self.entries()]
        self.assertEqual(names, ["holder.inner", "first", "blocks.0", "blocks.1", "seq.layers.0", "output[0]", "output[1]"])
        self.assertFalse(callable(net.holder), "a container that was not callable stays so")
        got = {e["name"]: self.tensor(e)[2] for e in self.entries()}
        np.testing.assert_array_equal(got["blocks.1"], np.full(2, 3.0 * 0.5 * 4, np.float32))
        np.testing.assert_array_equal(got["output[0]"], np.asarray(out))
        for cls, own in originals.items():
            self.assertIs(cls.__dict__.get("__call__"), own, cls.__name__)
        count = len(self.entries())
        net(x)
        self.assertEqual(len(self.entries()), count)

    def test_load_as_mlx_restores_bf16(self):
        vals = np.linspace(-2, 2, 5, dtype=np.float32)
        os.environ["MFLUX_PORT_RUN_DIR"] = os.path.join(self.run_root, "ref")
        probe.dump("latents", torch.from_numpy(vals).to(torch.bfloat16))
        os.environ["MFLUX_PORT_RUN_DIR"] = self.folder
        a = probe.load("latents", framework="mlx")
        self.assertTrue(a.dtype == mx.bfloat16)
        np.testing.assert_array_equal(np.asarray(mx.view(a, mx.uint16)), bf16_bits_by_torch(vals))


if __name__ == "__main__":
    unittest.main()
