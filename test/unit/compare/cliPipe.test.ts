// The CLI's output must be whole through a real pipe: Node writes to pipes asynchronously,
// and exiting with writes pending used to cut `--json -` at 64 KB (128 KB with --quiet).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, pythonCode } from '../../helpers/python';
import { ensureBuilt } from '../../helpers/cli';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'mp-pipe-'));

before(() => {
  ensureBuilt();
  // 3000 small tensors per side, one safetensors file each, written by NumPy: a multi-MB report.
  const py = `
import sys
import numpy as np
from st_write import write_safetensors as save
rng = np.random.default_rng(0)
ref = [(f"transformer_blocks.{i}.attn.to_out", rng.standard_normal(16).astype(np.float32)) for i in range(3000)]
save(sys.argv[1] + "/ref.safetensors", ref)
save(sys.argv[1] + "/cand.safetensors", [(n, a + np.float32(1e-3) * (i % 3)) for i, (n, a) in enumerate(ref)])
`;
  pythonCode(py, [tmp]);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function throughPipe(args: string[]): { code: number; bytes: number } {
  // A real shell pipe (not Node's own capture): the CLI's stdout is a pipe to `wc -c`.
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('/bin/sh', ['-c', `'${process.execPath}' '${CLI}' ${quoted} | cat | wc -c; exit 0`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { code: r.status ?? -1, bytes: Number(r.stdout.trim()) };
}

test('compare --json - through a pipe writes the same bytes as --json FILE', () => {
  const ref = join(tmp, 'ref.safetensors');
  const cand = join(tmp, 'cand.safetensors');
  const file = join(tmp, 'report.json');
  const w = spawnSync(process.execPath, [CLI, 'compare', ref, cand, '--json', file], { encoding: 'utf8' });
  assert.equal(w.status, 1, w.stderr);
  const size = statSync(file).size;
  assert.ok(size > 2_000_000, `the report is multi-MB (${size} bytes)`);
  assert.equal(throughPipe(['compare', ref, cand, '--json', '-']).bytes, size);
  // the human table through a pipe is whole too: its last line is the summary
  const table = spawnSync('/bin/sh', ['-c', `'${process.execPath}' '${CLI}' compare '${ref}' '${cand}' | cat | tail -n 3`], {
    encoding: 'utf8',
  });
  assert.match(table.stdout, /3000 pairs: 1000 pass, 1999 drift, 1 diverged/);
  assert.ok(JSON.parse(readFileSync(file, 'utf8')).pairs.length === 3000);
});
