// The probe as a pip package (python/pyproject.toml), installed the way the README says into a
// fresh venv (Debian's python3, --system-site-packages for NumPy; offline, so pip builds with the
// system's setuptools), then used like a notebook outside the repo with no PYTHONPATH: the dump it
// writes is read back with NumPy. Then uninstalled (import fails again), and the editable install.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON, REPO_ROOT } from '../../helpers/python';
import { tempDir } from '../checklist/helpers/tmp';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): { code: number | null; out: string; err: string } {
  const base = { ...process.env };
  delete base.PYTHONPATH;
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    cwd,
    env: { ...base, PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const USE = `
import json, os, sys
import numpy as np
import mflux_port_probe as p
run = sys.argv[1]
os.environ["MFLUX_PORT_RUN_DIR"] = run  # as a notebook does it, after the import
os.environ["MFLUX_PORT_SIDE"] = "ref"
x = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
p.dump("latents", x)
rec = [json.loads(l) for l in open(os.path.join(run, "manifest.jsonl"))][-1]
raw = open(os.path.join(run, rec["file"]), "rb").read()
n = int.from_bytes(raw[:8], "little")
meta = json.loads(raw[8:8 + n])["latents"]
a, b = meta["data_offsets"]
back = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=np.float32).reshape(meta["shape"])
print(json.dumps({"version": p.__version__, "file": p.__file__, "same": bool((back == x).all()), "dtype": meta["dtype"]}))
`;

test('the probe installs with pip from the repo path, works in a script outside the repo, and uninstalls', { timeout: 240_000 }, () => {
  const root = tempDir('mfp-pip-');
  const src = join(root, 'checkout', 'python');
  cpSync(join(REPO_ROOT, 'python'), src, { recursive: true, filter: (p) => !p.includes('__pycache__') });
  const venv = join(root, 'venv');
  const made = sh(PYTHON, ['-m', 'venv', '--system-site-packages', venv]);
  assert.equal(made.code, 0, made.err);
  const py = join(venv, 'bin', 'python');
  const work = join(root, 'notebook');
  cpSync(join(REPO_ROOT, 'package.json'), join(work, 'unrelated.json')); // any folder outside the checkout
  const use = (runDir: string) => sh(py, ['-c', USE, runDir], {}, work);

  assert.notEqual(use(join(root, 'before')).code, 0, 'not importable before the install');
  const inst = sh(py, ['-m', 'pip', 'install', '--no-index', '--no-build-isolation', src]);
  assert.equal(inst.code, 0, inst.out + inst.err);
  const r = use(join(root, 'run1'));
  assert.equal(r.code, 0, r.err);
  const got = JSON.parse(r.out) as { version: string; file: string; same: boolean; dtype: string };
  assert.equal(got.version, VERSION, 'the probe version is the extension version');
  assert.ok(got.file.startsWith(venv), `imported from the venv: ${got.file}`);
  assert.equal(got.same, true);
  assert.equal(got.dtype, 'F32');
  const show = sh(py, ['-m', 'pip', 'show', 'mflux-port-probe']);
  assert.match(show.out, new RegExp(`^Version: ${VERSION.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(show.out, /^Requires: numpy$/m);

  const un = sh(py, ['-m', 'pip', 'uninstall', '-y', 'mflux-port-probe']);
  assert.equal(un.code, 0, un.err);
  assert.notEqual(use(join(root, 'after')).code, 0, 'not importable after the uninstall');

  // Editable: the venv imports the checkout itself, so an edit there is seen at once.
  const ed = sh(py, ['-m', 'pip', 'install', '--no-index', '--no-build-isolation', '-e', src]);
  assert.equal(ed.code, 0, ed.out + ed.err);
  const e = use(join(root, 'run2'));
  assert.equal(e.code, 0, e.err);
  assert.ok((JSON.parse(e.out) as { file: string }).file.startsWith(src), 'editable install imports the checkout');
  assert.ok(existsSync(join(root, 'run2', 'manifest.jsonl')));
});

test("the probe's version is the extension's", () => {
  const init = readFileSync(join(REPO_ROOT, 'python', 'mflux_port_probe', '__init__.py'), 'utf8');
  assert.equal(/^__version__ = "([^"]+)"/m.exec(init)?.[1], VERSION);
});
