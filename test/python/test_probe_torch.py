"""Probe tests with real PyTorch tensors and modules (CPU)."""

import os
import unittest

import numpy as np
import torch
from torch import nn

from probe_case import ProbeCase, probe
from st_reader import bf16_to_f32


def torch_bits(t):
    return t.detach().contiguous().view(torch.int16).numpy().view(np.uint16)


class Block(nn.Module):
    """Returns a tuple, like many diffusers blocks."""

    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(4)
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        h = self.proj(self.norm(x))
        return h, {"gate": torch.sigmoid(h), "note": "not a tensor"}, None


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(3, 4)
        self.blocks = nn.ModuleList([Block(), Block()])
        self.act = nn.GELU()
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        h = self.embed(x)
        for b in self.blocks:
            h, _, _ = b(h)
        h = self.act(h)
        h = self.act(h)  # the same module twice in one forward
        return self.out(h)


def hook_count(model):
    return sum(len(m._forward_hooks) for m in model.modules())


class TorchDumps(ProbeCase):
    def test_bf16_is_kept_bit_for_bit(self):
        t = torch.randn(3, 5, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
        probe.dump("h", t)
        (e,) = self.entries()
        dtype, shape, bits = self.tensor(e)
        self.assertEqual(dtype, "BF16")
        self.assertEqual(shape, (3, 5))
        np.testing.assert_array_equal(bits, torch_bits(t))
        np.testing.assert_array_equal(bf16_to_f32(bits), t.float().numpy())
        self.assertEqual(e["original_dtype"], "torch.bfloat16")

    def test_views_and_non_contiguous_tensors(self):
        base = torch.arange(120, dtype=torch.float32).reshape(4, 5, 6)
        views = {
            "transpose": base.transpose(0, 2),
            "permute": base.permute(1, 2, 0),
            "slice": base[:, 1:4, ::2],
            "expand": torch.arange(3.0).expand(4, 3),
            "as_strided": base.as_strided((3, 3), (7, 2), 1),
            "bf16_transpose": base.to(torch.bfloat16).transpose(1, 2),
            "grad": (base * 2).requires_grad_(),
            "neg_view": torch._neg_view(base[0]) if hasattr(torch, "_neg_view") else -base[0],
            "conj": torch.complex(base[0], base[1]).conj(),
            "scalar_tensor": torch.tensor(3.5),
            "int": torch.arange(5),
            "cpu_device": torch.ones(2, device=torch.device("cpu")),
            "half": base.half()[:, 0],
        }
        for name, v in views.items():
            self.assertIs(probe.dump(name, v), v)
        for e in self.entries():
            v = views[e["name"]]
            dtype, shape, values = self.tensor(e)
            self.assertEqual(list(shape), list(v.shape), e["name"])
            if dtype == "BF16":
                np.testing.assert_array_equal(values, torch_bits(v))
            else:
                np.testing.assert_array_equal(values, v.detach().resolve_conj().resolve_neg().numpy(), e["name"])
        self.assertEqual({e["name"]: e["dtype"] for e in self.entries()}["conj"], "C64")
        self.assertEqual({e["name"]: e["dtype"] for e in self.entries()}["half"], "F16")

    def test_capture_records_outputs_in_forward_order(self):
        torch.manual_seed(0)
        model = Model()
        x = torch.randn(2, 3)
        with probe.capture(model, prefix="model"):
            y = model(x)
        names = [e["name"] for e in self.entries()]
        self.assertEqual(names, [
            "model.embed",
            "model.blocks.0.norm", "model.blocks.0.proj", "model.blocks.0[0]", "model.blocks.0[1][gate]",
            "model.blocks.1.norm", "model.blocks.1.proj", "model.blocks.1[0]", "model.blocks.1[1][gate]",
            "model.act", "model.act#2", "model.out", "model",
        ])
        # values, computed again by calling the submodules by hand
        with torch.no_grad():
            h = model.embed(x)
            expected = {"model.embed": h}
            for i, b in enumerate(model.blocks):
                n = b.norm(h)
                h = b.proj(n)
                expected[f"model.blocks.{i}.norm"] = n
                expected[f"model.blocks.{i}[1][gate]"] = torch.sigmoid(h)
            a1 = model.act(h)
            expected["model.act"], expected["model.act#2"] = a1, model.act(a1)
            expected["model"] = model.out(model.act(a1))
        got = {e["name"]: self.tensor(e)[2] for e in self.entries()}
        for name, v in expected.items():
            np.testing.assert_allclose(got[name], v.numpy(), rtol=1e-6, atol=1e-6, err_msg=name)
        np.testing.assert_array_equal(got["model"], y.detach().numpy())

    def test_capture_filters_steps_and_bf16_model(self):
        model = Model().to(torch.bfloat16)
        x = torch.randn(1, 3).to(torch.bfloat16)
        for step in range(2):
            with probe.capture(model, include=["blocks.*"], exclude=["*.norm", "*.proj"], step=step):
                model(x)
        names = [e["name"] for e in self.entries()]
        self.assertEqual(names, [
            "blocks.0[0]@step000", "blocks.0[1][gate]@step000", "blocks.1[0]@step000", "blocks.1[1][gate]@step000",
            "blocks.0[0]@step001", "blocks.0[1][gate]@step001", "blocks.1[0]@step001", "blocks.1[1][gate]@step001",
        ])
        self.assertEqual({e["dtype"] for e in self.entries()}, {"BF16"})

    def test_capture_restores_hooks_even_on_error(self):
        model = Model()
        own = model.out.register_forward_hook(lambda *a: None)
        before = hook_count(model)
        with probe.capture(model):
            self.assertGreater(hook_count(model), before)
            model(torch.randn(1, 3))
        self.assertEqual(hook_count(model), before)
        with self.assertRaises(ValueError):
            with probe.capture(model):
                raise ValueError("boom")
        self.assertEqual(hook_count(model), before)
        count = len(self.entries())
        model(torch.randn(1, 3))
        self.assertEqual(len(self.entries()), count, "nothing recorded after the context closed")
        own.remove()

    def test_capture_outside_a_run_installs_nothing(self):
        os.environ.pop("MFLUX_PORT_RUN_DIR")
        model = Model()
        with probe.capture(model):
            self.assertEqual(hook_count(model), 0)
            model(torch.randn(1, 3))
        self.assertFalse(os.path.exists(self.folder))

    def test_load_as_torch_keeps_bf16(self):
        t = torch.randn(2, 3).to(torch.bfloat16)
        probe.dump("latents", t)
        os.environ["MFLUX_PORT_RUN_DIR"] = os.path.join(self.run_root, "mlx")
        back = probe.load("latents", side="ref", framework="torch")
        self.assertEqual(back.dtype, torch.bfloat16)
        self.assertTrue(torch.equal(back, t))


if __name__ == "__main__":
    unittest.main()
