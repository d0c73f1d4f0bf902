// `mflux-port` outside the repo, as the README's Install section says: `npm pack` gives a tarball
// (the built dist/, the probe and its scripts, nothing else), which installs offline into a
// project (`npx mflux-port`), globally (`npm install -g`, then `mflux-port` on PATH) or runs
// straight from the file (`npx --package <tarball> mflux-port`). Each runs a real compare of two
// .npy folders that NumPy wrote, which also loads the compare worker from the installed dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON, REPO_ROOT } from '../../helpers/python';
import { tempDir } from '../checklist/helpers/tmp';

const PKG = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test(
  'npm pack gives a tarball whose mflux-port runs from a project, from a global install and through npx, offline',
  { timeout: 300_000 },
  () => {
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'cli.js')), 'run `npm run build` first');
    const root = tempDir('mfp-pack-');
    const cache = join(root, 'npm-cache'); // a cache of its own: nothing comes from the user's
    const npm = (args: string[], cwd: string) => run('npm', [...args, '--cache', cache], cwd);

    // --ignore-scripts: pack the dist/ already built (prepack would rebuild it for production).
    const packed = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', root], REPO_ROOT);
    assert.equal(packed.code, 0, packed.err);
    const info = (JSON.parse(packed.out) as { filename: string; files: { path: string }[] }[])[0];
    const tgz = join(root, info.filename);
    const files = info.files.map((f) => f.path);
    for (const want of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/cli.js',
      'dist/compareWorker.js',
      'python/pyproject.toml',
      'python/mflux_port_probe/__init__.py',
      'python/mflux_port_tools/dump_mapping.py',
      'media/icon.png',
    ]) {
      assert.ok(files.includes(want), `${want} in the tarball`);
    }
    assert.deepEqual(
      files.filter((f) => /^(src|test|scripts|webview|bench|node_modules)\//.test(f) || f.endsWith('.map')),
      [],
      'no sources, tests or maps',
    );

    // Tensors written by NumPy: one layer equal, one off by 0.5.
    const data = join(root, 'data');
    const py = spawnSync(
      PYTHON,
      [
        '-c',
        `
import numpy as np, os, sys
d = sys.argv[1]
for side in ("ref", "mlx"):
    os.makedirs(os.path.join(d, side))
a = np.linspace(-1, 1, 64, dtype=np.float32).reshape(8, 8)
np.save(os.path.join(d, "ref", "same.npy"), a); np.save(os.path.join(d, "mlx", "same.npy"), a.copy())
b = a.copy(); b[3, 5] += 0.5
np.save(os.path.join(d, "ref", "off.npy"), a); np.save(os.path.join(d, "mlx", "off.npy"), b)
`,
        data,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(py.status, 0, py.stderr);
    const compareArgs = ['compare', join(data, 'ref'), join(data, 'mlx')];
    const checkCompare = (r: { code: number | null; out: string; err: string }, how: string) => {
      assert.equal(r.code, 1, `${how}: compare exits 1 for the failing pair\n${r.out}${r.err}`);
      assert.match(r.out, /\boff\b/, `${how}: names the failing tensor`);
      assert.match(r.out, /0\.5/, `${how}: reports the max |a−b| of 0.5`);
    };

    // 1. Into a project: npx finds the package's bin.
    const project = join(root, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{ "name": "user-project", "private": true }\n');
    const inst = npm(['install', '--offline', tgz], project);
    assert.equal(inst.code, 0, inst.err);
    const help = run('npx', ['--offline', '--cache', cache, 'mflux-port', '--help'], project);
    assert.equal(help.code, 0, help.err);
    assert.match(help.out, /^Usage: mflux-port <command>/m);
    checkCompare(run('npx', ['--offline', '--cache', cache, 'mflux-port', ...compareArgs], project), 'npx in a project');

    // 2. Global, into a prefix of its own: mflux-port on PATH, then uninstalled.
    const prefix = join(root, 'global');
    const g = npm(['install', '-g', '--offline', '--prefix', prefix, tgz], root);
    assert.equal(g.code, 0, g.err);
    const bin = join(prefix, 'bin');
    const onPath = { PATH: `${bin}:${process.env.PATH ?? ''}` };
    checkCompare(run('mflux-port', compareArgs, root, onPath), 'global install');
    const ug = npm(['uninstall', '-g', '--prefix', prefix, PKG.name], root);
    assert.equal(ug.code, 0, ug.err);
    assert.equal(existsSync(join(bin, 'mflux-port')), false, 'the global bin is gone after uninstall');

    // 3. Straight from the tarball, no install step.
    checkCompare(
      run('npx', ['--offline', '--yes', '--cache', cache, '--package', tgz, 'mflux-port', ...compareArgs], root),
      'npx --package <tarball>',
    );
  },
);
