"""The probe at real scale: byte budget, step-aware captures, values it cannot write, compiled and
traced modules, and Capture Inside's MFLUX_PORT_CAPTURE_INCLUDE. Real torch modules; the budget is
tested in a real child process that must exit 0."""

import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap
import unittest

import numpy as np
import torch
from torch import nn

from probe_case import HERE, ProbeCase, probe

PROBE_PATH = os.path.join(HERE, "..", "..", "python")


class Tower(nn.Module):
    """Six blocks of width 256: every block output of a (1, 64, 256) float32 input is 64 KiB."""

    def __init__(self, n=6, width=256):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(width, width) for _ in range(n)])

    def forward(self, x):
        for b in self.blocks:
            x = torch.tanh(b(x))
        return x


def quiet():
    return contextlib.redirect_stderr(io.StringIO())


class Budget(ProbeCase):
    def run_child(self, code, **env):
        full_env = {**os.environ, "PYTHONPATH": PROBE_PATH, "PYTHONDONTWRITEBYTECODE": "1", **env}
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full_env,
                              capture_output=True, text=True, timeout=120)

    def test_a_capture_that_hits_the_cap_stops_cleanly_and_the_run_exits_0(self):
        block = 64 * 256 * 4  # bytes of one block output
        cap = 10 * block + 100  # room for ten dumps, not eleven
        r = self.run_child("""
            import torch, sys
            sys.path.insert(0, %r)
            from test_probe_scale import Tower
            import mflux_port_probe as probe
            torch.manual_seed(0)
            model, x = Tower(), torch.randn(1, 64, 256)
            with probe.capture(model, include=["blocks.*"]):
                for i in range(5):
                    with probe.step(i, total=5):
                        y = model(x)
            probe.dump("after_the_cap", y)
            print("finished", float(y.sum()))
        """ % HERE, MFLUX_PORT_MAX_BYTES=str(cap))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("finished", r.stdout)
        lines = self.entries()
        tensors = [e for e in lines if e.get("kind", "tensor") == "tensor"]
        cuts = [e for e in lines if e.get("kind") == "cut"]
        self.assertEqual(len(tensors), 10)
        self.assertEqual(sum(e["bytes"] for e in tensors), 10 * block)
        self.assertEqual(len(cuts), 1)
        self.assertEqual(cuts[0]["after"], "blocks.3@step001")  # 6 in step 0, 4 in step 1
        self.assertEqual(cuts[0]["next"], "blocks.4@step001")
        self.assertEqual(cuts[0]["max_bytes"], cap)
        self.assertEqual(cuts[0]["scope"], "run")
        files = sorted(f for f in os.listdir(self.folder) if f.endswith(".safetensors"))
        self.assertEqual(files, sorted(e["file"] for e in tensors))
        # before the cap: one line with the projection (6 dumps per step x 5 steps); at the cap: one line
        self.assertEqual(r.stderr.count("projected"), 1, r.stderr)
        self.assertIn("projected 2.0 MB for 5 steps (393.2 KB per step)", r.stderr)
        self.assertEqual(r.stderr.count("capture stopped at"), 1, r.stderr)
        self.assertIn("after 'blocks.3@step001'", r.stderr)
        self.assertIn("more dumps were not written", r.stderr)

    def test_the_cap_accepts_units_and_zero_means_none(self):
        from mflux_port_probe._run import DEFAULT_MAX_BYTES, parse_bytes

        self.assertEqual(parse_bytes(None), DEFAULT_MAX_BYTES)
        self.assertEqual(parse_bytes("  "), DEFAULT_MAX_BYTES)
        self.assertEqual(parse_bytes("20GB"), 20 * 10**9)
        self.assertEqual(parse_bytes("1.5 GiB"), int(1.5 * 2**30))
        self.assertEqual(parse_bytes("4096"), 4096)
        self.assertIsNone(parse_bytes("0"))
        with self.assertRaises(ValueError):
            parse_bytes("lots")

    def test_capture_max_bytes_overrides_per_call(self):
        model, x = Tower(), torch.randn(1, 64, 256)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            with probe.capture(model, include=["blocks.*"], max_bytes=3 * 64 * 256 * 4):
                model(x)
            probe.dump("later", x)  # the run's own cap is far away: still written
        names = [e["name"] for e in self.entries() if e.get("kind", "tensor") == "tensor"]
        self.assertEqual(names, ["blocks.0", "blocks.1", "blocks.2", "later"])
        (cut,) = [e for e in self.entries() if e.get("kind") == "cut"]
        self.assertEqual((cut["scope"], cut["after"], cut["origin"]), ("capture", "blocks.2", "capture(max_bytes=)"))
        self.assertIn("capture stopped at", err.getvalue())


class Steps(ProbeCase):
    def test_steps_name_dumps_and_numpy_torch_ints_are_normalised(self):
        with probe.step(np.int64(5)):
            probe.dump("a", np.zeros(1, np.float32))
            self.assertEqual(probe.current_step(), 5)
        probe.dump("b", np.zeros(1, np.float32), step=torch.tensor(7))
        probe.set_step(np.int32(2))
        probe.dump("c", np.zeros(1, np.float32))
        probe.set_step(None)
        probe.dump("d", np.zeros(1, np.float32))
        self.assertEqual([e["name"] for e in self.entries()], ["a@step005", "b@step007", "c@step002", "d"])
        self.assertEqual([e["step"] for e in self.entries()], [5, 7, 2, None])

    def test_a_float_timestep_is_refused_naming_step(self):
        for bad in (999.0, np.float32(999.0), torch.tensor(999.0)):
            with self.assertRaises(TypeError) as e:
                with probe.step(bad):
                    pass
            self.assertIn("step(i)", str(e.exception))
            self.assertIn("999.0", str(e.exception))
            with self.assertRaises(TypeError):
                probe.dump("x", np.zeros(1), step=bad)
        self.assertIsNone(probe.current_step())

    def test_cfg_batching_pairs_step_by_step(self):
        """One side runs cond and uncond per step, the other (guidance-distilled) only cond: with
        steps, `x@stepNNN` is the cond pass of step NNN on both sides; with `#N` numbering it is not."""
        model = Tower(n=2, width=8)
        torch.manual_seed(1)
        inputs = [torch.randn(1, 3, 8) for _ in range(4)]
        ref = os.path.join(self.run_root, "other")

        def run(folder, cfg, stepped):
            os.environ["MFLUX_PORT_RUN_DIR"] = folder
            with probe.capture(model, include=["blocks.1"]):
                for i, x in enumerate(inputs):
                    with probe.step(i) if stepped else contextlib.nullcontext():
                        model(x)
                        if cfg:
                            model(torch.zeros_like(x))  # the unconditional pass

        run(ref, cfg=True, stepped=True)
        run(self.folder, cfg=False, stepped=True)
        a = {e["name"]: self.tensor(e, ref)[2] for e in self.entries(ref)}
        b = {e["name"]: self.tensor(e)[2] for e in self.entries()}
        common = sorted(set(a) & set(b))
        self.assertEqual(common, [f"blocks.1@step00{i}" for i in range(4)])
        for name in common:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
        # the same runs without steps pair the wrong passes (the proof the test can fail)
        run(os.path.join(self.run_root, "ref2"), cfg=True, stepped=False)
        run(os.path.join(self.run_root, "mlx2"), cfg=False, stepped=False)
        a2 = {e["name"]: self.tensor(e, os.path.join(self.run_root, "ref2"))[2] for e in self.entries(os.path.join(self.run_root, "ref2"))}
        b2 = {e["name"]: self.tensor(e, os.path.join(self.run_root, "mlx2"))[2] for e in self.entries(os.path.join(self.run_root, "mlx2"))}
        self.assertFalse(np.array_equal(a2["blocks.1#2"], b2["blocks.1#2"]))

    def test_steps_filter_records_first_and_last(self):
        model, x = Tower(n=2, width=8), torch.randn(1, 8)
        with probe.capture(model, include=["blocks.0"], steps=[0, -1]):
            for i in range(6):
                with probe.step(i, total=6):
                    model(x)
        self.assertEqual([e["name"] for e in self.entries()], ["blocks.0@step000", "blocks.0@step005"])

    def test_negative_steps_without_a_total_are_left_out_with_a_warning(self):
        model, x = Tower(n=1, width=8), torch.randn(1, 8)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            with probe.capture(model, include=["blocks.0"], steps=[1, -1]):
                for i in range(3):
                    with probe.step(i):
                        model(x)
            with probe.capture(model, include=["blocks.0"], steps=[0, -1], total_steps=3):
                for i in range(3):
                    probe.set_step(i)
                    model(x)
        self.assertEqual(err.getvalue().count("total_steps=N"), 1, err.getvalue())
        self.assertEqual([e["name"] for e in self.entries()], ["blocks.0@step001", "blocks.0@step000", "blocks.0@step002"])

    def test_load_picks_a_step_and_an_occurrence(self):
        for i in range(3):
            with probe.step(i):
                probe.dump("latents", np.full(2, 10 * i, np.float32))
                probe.dump("latents", np.full(2, 10 * i + 1, np.float32))
        os.environ["MFLUX_PORT_RUN_DIR"] = os.path.join(self.run_root, "mlx")
        np.testing.assert_array_equal(probe.load("latents", step=np.int64(1)), [11, 11])  # the last by default
        np.testing.assert_array_equal(probe.load("latents", step=1, occurrence=1), [10, 10])
        np.testing.assert_array_equal(probe.load("latents", step=2, occurrence=2), [21, 21])
        np.testing.assert_array_equal(probe.load("latents", step=2, occurrence=-2), [20, 20])
        with self.assertRaises(KeyError) as e:
            probe.load("latents", step=0, occurrence=3)
        self.assertIn("2 times", str(e.exception))


class Weird(nn.Module):
    """Outputs the probe cannot write (a meta tensor, complex32) next to ones it can (complex128)."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)

    def forward(self, x):
        h = self.lin(x)
        return {"meta": torch.empty(2, device="meta"), "half_complex": torch.zeros(2, dtype=torch.complex32),
                "spectrum": torch.fft.fft(h.double()), "h": h}


class NeverBreakTheForward(ProbeCase):
    def test_unwritable_outputs_are_skipped_never_raised(self):
        model = Weird()
        x = torch.randn(3, 2)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            with probe.capture(model):
                for i in range(2):
                    with probe.step(i):
                        out = model(x)
        self.assertEqual(set(out), {"meta", "half_complex", "spectrum", "h"})
        lines = self.entries()
        skipped = {e["name"]: e["reason"] for e in lines if e.get("kind") == "skipped"}
        self.assertEqual(set(skipped), {"output[meta]@step000", "output[half_complex]@step000"})
        self.assertIn("meta", skipped["output[meta]@step000"])
        self.assertEqual(err.getvalue().count("skipped 'output[meta]'"), 1, err.getvalue())
        written = {e["name"]: e for e in lines if e.get("kind", "tensor") == "tensor"}
        self.assertEqual(written["output[spectrum]@step001"]["dtype"], "C128")
        got = self.tensor(written["output[spectrum]@step001"])[2]
        np.testing.assert_array_equal(got, np.fft.fft(model.lin(x).detach().double().numpy()))
        self.assertEqual(written["lin@step000"]["site"]["file"], nn.Linear.forward.__code__.co_filename)
        self.assertEqual(written["lin@step000"]["site"]["line"], nn.Linear.forward.__code__.co_firstlineno)


class Compiled(nn.Module):
    """The layout of torch._dynamo's OptimizedModule: the original module as `_orig_mod`, and an
    instance `forward` that runs a graph which never calls the submodules' hooks (here a trace)."""

    def __init__(self, mod, graph):
        super().__init__()
        self._orig_mod = mod
        self.forward = lambda *args: graph(*args)  # a plain function, as dynamo's wrapper is


Compiled.__name__ = "OptimizedModule"


class Outer(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.inner(x))


class CompileAndTrace(ProbeCase):
    def test_compiled_modules_keep_original_names_and_run_through_the_hooks(self):
        tower, x = Tower(n=2, width=8), torch.randn(1, 8)
        plain = Outer(tower)
        expected = plain(x).detach().numpy()
        model = Outer(Compiled(tower, torch.jit.trace(tower, x)))  # a compiled submodule
        model.head = plain.head
        wrapped = Compiled(model, torch.jit.trace(plain, x))  # and the whole model compiled
        forward = wrapped.__dict__["forward"]
        with quiet():
            with probe.capture(wrapped, prefix="m"):
                y = wrapped(x)
        names = [e["name"] for e in self.entries()]
        self.assertEqual(names, ["m.inner.blocks.0", "m.inner.blocks.1", "m.inner", "m.head", "m"])
        np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-6)
        got = {e["name"]: self.tensor(e)[2] for e in self.entries()}
        np.testing.assert_allclose(got["m.inner"], tower(x).detach().numpy(), rtol=1e-6)
        self.assertIs(wrapped.__dict__["forward"], forward, "the compiled forward is put back")
        self.assertEqual(sum(len(m._forward_hooks) for m in model.modules()), 0)

    def test_compiled_capture_says_why_it_runs_eagerly(self):
        tower, x = Tower(n=1, width=8), torch.randn(1, 8)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            with probe.capture(Compiled(tower, torch.jit.trace(tower, x))):
                pass
        self.assertIn("torch.compile'd module(s) run uncompiled inside the capture", err.getvalue())

    @unittest.skipUnless(hasattr(torch, "compile"), f"torch {torch.__version__} has no torch.compile (Debian ships 1.13)")
    def test_real_torch_compile(self):
        tower, x = Tower(n=2, width=8), torch.randn(1, 8)
        compiled = torch.compile(tower, backend="eager")
        compiled(x)
        with quiet():
            with probe.capture(compiled):
                compiled(x)
        self.assertEqual([e["name"] for e in self.entries()], ["blocks.0", "blocks.1", "output"])

    def test_a_traced_submodule_is_recorded_whole_with_a_warning(self):
        tower, x = Tower(n=2, width=8), torch.randn(1, 8)
        model = Outer(torch.jit.trace(tower, x))
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            with probe.capture(model):
                model(x)
        self.assertEqual([e["name"] for e in self.entries()], ["inner", "head", "output"])
        self.assertIn("inner is a torch.jit traced/scripted module", err.getvalue())


class CaptureInside(ProbeCase):
    def test_the_environment_restricts_every_capture_to_a_subtree(self):
        model = Outer(Tower(n=3, width=8))
        os.environ["MFLUX_PORT_CAPTURE_INCLUDE"] = "m.inner.blocks.1"
        with probe.capture(model, prefix="m"):
            model(torch.randn(1, 8))
        self.assertEqual([e["name"] for e in self.entries()], ["m.inner.blocks.1"])
        os.environ["MFLUX_PORT_CAPTURE_INCLUDE"] = "m.inner"
        with probe.capture(model, prefix="m", exclude=["*.blocks.0"]):
            model(torch.randn(1, 8))
        self.assertEqual([e["name"] for e in self.entries()][1:], ["m.inner.blocks.1#2", "m.inner.blocks.2", "m.inner"])


if __name__ == "__main__":
    unittest.main()
