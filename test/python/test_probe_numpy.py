"""Probe tests with NumPy arrays and Python scalars (no torch needed)."""

import contextlib
import io
import json
import os
import subprocess
import sys
import unittest
from datetime import datetime

import numpy as np

from probe_case import HERE, ProbeCase, probe


class Exploding:
    """Any attribute access fails: proves the probe does not touch values outside a run."""

    def __getattribute__(self, name):
        raise AssertionError(f"probe touched the value ({name}) outside a run")


class OutsideRun(unittest.TestCase):
    def test_dump_is_a_no_op_without_a_run_folder(self):
        env = dict(os.environ)
        os.environ.pop("MFLUX_PORT_RUN_DIR", None)
        try:
            value = Exploding()
            self.assertIs(probe.dump("x", value), value)
            self.assertIs(probe.dump("x", "not a tensor", step=3), "not a tensor")
            self.assertFalse(probe.enabled())
            with probe.capture(Exploding()) as m:
                self.assertIsInstance(m, Exploding)
            with self.assertRaises(RuntimeError) as e:
                probe.load("latents")
            self.assertIn("MFLUX_PORT_RUN_DIR", str(e.exception))
        finally:
            os.environ.clear()
            os.environ.update(env)

    def test_import_does_not_load_torch(self):
        code = "import sys; import mflux_port_probe; print('torch' in sys.modules, 'mlx' in sys.modules)"
        env = {**os.environ, "PYTHONPATH": os.path.join(HERE, "..", "..", "python")}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        self.assertEqual(out.stdout.strip(), "False False")


class NumpyDumps(ProbeCase):
    def test_dtypes_shapes_and_values(self):
        rng = np.random.default_rng(0)
        cases = {
            "f32": rng.standard_normal((2, 3, 4)).astype(np.float32),
            "f16": rng.standard_normal((5,)).astype(np.float16),
            "f64": rng.standard_normal((3, 3)),
            "i64": np.arange(-3, 3, dtype=np.int64),
            "u8": np.arange(7, dtype=np.uint8),
            "bool": np.array([[True, False], [False, True]]),
            "c64": (rng.standard_normal(4) + 1j * rng.standard_normal(4)).astype(np.complex64),
            "empty": np.zeros((0, 3), dtype=np.float32),
        }
        expected_dtype = {"f32": "F32", "f16": "F16", "f64": "F64", "i64": "I64", "u8": "U8", "bool": "BOOL", "c64": "C64", "empty": "F32"}
        for name, arr in cases.items():
            self.assertIs(probe.dump(name, arr), arr)
        entries = self.entries()
        self.assertEqual([e["name"] for e in entries], list(cases))
        self.assertEqual([e["index"] for e in entries], list(range(len(cases))))
        for e in entries:
            dtype, shape, values = self.tensor(e)
            self.assertEqual(dtype, expected_dtype[e["name"]])
            self.assertEqual(e["dtype"], dtype)
            self.assertEqual(list(shape), list(cases[e["name"]].shape))
            self.assertEqual(e["shape"], list(shape))
            np.testing.assert_array_equal(values, cases[e["name"]])
            datetime.fromisoformat(e["time"])
            self.assertTrue(os.path.basename(e["file"]).startswith(f"{e['index']:05d}-"))

    def test_strided_fortran_and_big_endian_arrays(self):
        base = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
        views = {
            "transposed": base.transpose(2, 0, 1),
            "sliced": base[:, ::2, 1::2],
            "fortran": np.asfortranarray(base),
            "big_endian": base.astype(">f4"),
            "broadcast": np.broadcast_to(np.arange(3, dtype=np.float32), (4, 3)),
        }
        for name, v in views.items():
            probe.dump(name, v)
        for e in self.entries():
            _, shape, values = self.tensor(e)
            np.testing.assert_array_equal(values, np.ascontiguousarray(views[e["name"]]).astype("<f4"))

    def test_python_scalars_and_numpy_scalars(self):
        probe.dump("int", 7)
        probe.dump("float", 0.1)
        probe.dump("bool", True)
        probe.dump("np_scalar", np.float32(2.5))
        got = {e["name"]: self.tensor(e) for e in self.entries()}
        self.assertEqual(got["int"][0], "I64")
        self.assertEqual(got["int"][1], ())
        self.assertEqual(int(got["int"][2]), 7)
        self.assertEqual(got["float"][0], "F64")
        self.assertEqual(float(got["float"][2]), 0.1)
        self.assertEqual(got["bool"][0], "BOOL")
        self.assertEqual(bool(got["bool"][2]), True)
        self.assertEqual(got["np_scalar"][0], "F32")

    def test_steps_and_repeated_names(self):
        for i in (0, 3, 12):
            probe.dump("noise_pred", np.full(2, i, np.float32), step=i)
        probe.dump("latents", np.zeros(1, np.float32))
        probe.dump("latents", np.ones(1, np.float32))
        probe.dump("sigma", np.zeros(1, np.float32), step="final")
        names = [e["name"] for e in self.entries()]
        self.assertEqual(names, ["noise_pred@step000", "noise_pred@step003", "noise_pred@step012",
                                 "latents", "latents#2", "sigma@final"])
        self.assertEqual([e["step"] for e in self.entries()][:3], [0, 3, 12])
        # zero padding keeps plain sorting equal to step order
        self.assertEqual(sorted(names[:3]), names[:3])

    def test_names_unsafe_for_files_stay_exact_inside(self):
        name = "blocks/0: attn $x `y` 'q'"
        probe.dump(name, np.ones(1, np.float32))
        (e,) = self.entries()
        self.assertEqual(e["name"], name)
        self.assertNotIn("/", e["file"])
        self.assertNotIn(" ", e["file"])
        self.tensor(e)

    def test_unsupported_values_are_skipped_with_one_warning_and_a_record(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            for i in range(3):
                self.assertEqual(probe.dump("prompt", "a cat", step=i), "a cat")
            probe.dump("ok", np.ones(2, np.float32))
        self.assertEqual(err.getvalue().count("skipped 'prompt'"), 1, err.getvalue())
        self.assertIn("builtins.str", err.getvalue())
        lines = self.entries()
        self.assertEqual([(e.get("kind"), e["name"]) for e in lines], [("skipped", "prompt@step000"), (None, "ok")])
        self.assertIn("str", lines[0]["reason"])
        self.assertEqual(lines[0]["site"]["file"], __file__)
        self.assertEqual(lines[1]["site"]["file"], __file__)
        self.assertEqual(lines[1]["index"], 0, "a skipped value uses no index")

    def test_complex128_is_written_as_c128(self):
        z = (np.arange(6) + 1j * np.arange(6)[::-1]).astype(np.complex128).reshape(2, 3)
        probe.dump("z", z)
        (e,) = self.entries()
        self.assertEqual(e["dtype"], "C128")
        with open(os.path.join(self.folder, e["file"]), "rb") as f:
            raw = f.read()
        n = int.from_bytes(raw[:8], "little")
        header = json.loads(raw[8:8 + n])
        self.assertEqual(header["z"]["dtype"], "C128")
        np.testing.assert_array_equal(np.frombuffer(raw[8 + n:], "<c16").reshape(2, 3), z)
        os.environ["MFLUX_PORT_RUN_DIR"] = os.path.join(self.run_root, "mlx")
        np.testing.assert_array_equal(probe.load("z"), z)

    def test_a_second_process_continues_the_numbering(self):
        probe.dump("a", np.zeros(1, np.float32))
        code = "import numpy as np, mflux_port_probe as p; p.dump('a', np.ones(1, np.float32)); p.dump('b', np.ones(1, np.float32))"
        env = {**os.environ, "PYTHONPATH": os.path.join(HERE, "..", "..", "python")}
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
        entries = self.entries()
        self.assertEqual([(e["index"], e["name"]) for e in entries], [(0, "a"), (1, "a#2"), (2, "b")])
        self.assertEqual(len({e["file"] for e in entries}), 3)


class Load(ProbeCase):
    side = "mlx"

    def _ref_dump(self, name, value, step=None):
        ref = os.path.join(self.run_root, "ref")
        os.environ["MFLUX_PORT_RUN_DIR"] = ref
        probe.dump(name, value, step=step)
        os.environ["MFLUX_PORT_RUN_DIR"] = self.folder
        return ref

    def test_loads_from_the_sibling_reference_folder(self):
        lat = np.random.default_rng(1).standard_normal((1, 4, 8)).astype(np.float32)
        self._ref_dump("latents", np.zeros(2, np.float32))
        self._ref_dump("latents", lat)  # the last one wins
        self._ref_dump("noise", np.full(3, 5.0, np.float32), step=2)
        np.testing.assert_array_equal(probe.load("latents"), lat)
        np.testing.assert_array_equal(probe.load("noise", step=2), np.full(3, 5.0, np.float32))

    def test_explicit_side_folder_wins(self):
        other = os.path.join(self.tmp.name, "elsewhere", "ref")
        os.environ["MFLUX_PORT_RUN_DIR"] = other
        probe.dump("latents", np.arange(3, dtype=np.float32))
        os.environ["MFLUX_PORT_RUN_DIR"] = self.folder
        os.environ["MFLUX_PORT_REF_DIR"] = other
        np.testing.assert_array_equal(probe.load("latents", side="ref"), np.arange(3, dtype=np.float32))

    def test_missing_tensor_lists_what_is_there(self):
        self._ref_dump("latents", np.zeros(1, np.float32))
        with self.assertRaises(KeyError) as e:
            probe.load("latent")
        self.assertIn("latents", str(e.exception))
        with self.assertRaises(FileNotFoundError):
            probe.load("latents", side="mlx")


if __name__ == "__main__":
    unittest.main()
