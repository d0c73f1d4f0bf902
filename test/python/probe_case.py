"""Shared set-up for the probe tests: a fresh run folder per test, environment restored after."""

import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))

import mflux_port_probe as probe  # noqa: E402
from st_reader import manifest, read_file  # noqa: E402


class ProbeCase(unittest.TestCase):
    side = "ref"

    def setUp(self):
        self._env = dict(os.environ)
        self.tmp = tempfile.TemporaryDirectory(prefix="probe test $ 'q' ")
        self.run_root = os.path.join(self.tmp.name, "debug_artifacts", "20250101-000000-000")
        self.folder = os.path.join(self.run_root, self.side)
        for k in ("MFLUX_PORT_REF_DIR", "MFLUX_PORT_MLX_DIR"):
            os.environ.pop(k, None)
        os.environ["MFLUX_PORT_RUN_DIR"] = self.folder
        os.environ["MFLUX_PORT_SIDE"] = self.side

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self._env)
        self.tmp.cleanup()

    def entries(self, folder=None):
        return manifest(folder or self.folder)

    def tensor(self, entry, folder=None):
        """(dtype, shape, array) of a manifest entry, read with the independent reader."""
        header, tensors, n, total, data_len = read_file(os.path.join(folder or self.folder, entry["file"]))
        self.assertEqual(n % 8, 0, "header padded to a multiple of 8")
        self.assertEqual(total, 8 + n + data_len)
        self.assertEqual(list(tensors), [entry["name"]])
        return tensors[entry["name"]]


__all__ = ["ProbeCase", "probe"]
