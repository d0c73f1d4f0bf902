// Pairing without a name map on a capture renamed into another style: the scenario's PyTorch
// capture (diffusers-like names) against its channels-last port with one bug, every candidate
// name rewritten (test/fixtures/restyle_capture.py: blocks.N -> layers.N, conv1 -> first_conv…).
// The truth is the rename itself. compare must align ≥95 % of the pairs correctly, mark them
// aligned, still find the bug, and write a map that pairs them all by rule when reused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, REPO_ROOT, ensureGenerated } from '../../helpers/python';
import type { ReportJson } from '../../../src/core/compare/types';
import { runCli } from '../../helpers/cli';

const dir = ensureGenerated('scenario', 'test/fixtures/make_scenario.py');
const tmp = mkdtempSync(join(tmpdir(), 'mp-restyled-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('alignment pairs a capture renamed in another style, marks the pairs aligned, and its --write-map pairs them by rule', () => {
  const cand = join(tmp, 'port');
  const made = spawnSync(PYTHON, [join(REPO_ROOT, 'test/fixtures/restyle_capture.py'), join(dir, 'mlx'), cand], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  // truth: mlx name -> restyled name; the scenario's mlx side names attentions.N as attn.N
  const truth = JSON.parse(readFileSync(join(cand, 'truth.json'), 'utf8')) as Record<string, string>;
  const want = (refName: string) => truth[refName.replace(/^attentions\./, 'attn.')];
  const renamed = Object.entries(truth).filter(([a, b]) => a !== b).length;
  assert.ok(renamed >= 30, `${renamed} names rewritten`);

  const map = join(tmp, 'map.json');
  const r = runCli('compare', join(dir, 'ref'), join(cand, 'dump.safetensors'), '--json', '-', '--write-map', map);
  assert.equal(r.code, 1, r.stderr); // the scenario's bug diverges
  const rep = JSON.parse(r.stdout) as ReportJson;
  const aligned = rep.pairs.filter((p) => p.pairing.by === 'aligned');
  const right = aligned.filter((p) => p.cand_name === want(p.ref_name));
  assert.ok(right.length >= 0.95 * rep.pairs.length, `${right.length} of ${rep.pairs.length} aligned correctly`);
  assert.equal(right.length, aligned.length, 'no aligned pair is wrong');
  for (const p of aligned) assert.ok(p.pairing.confidence! >= 0.8 && p.pairing.confidence! <= 1);
  assert.equal(rep.first_divergence, 'blocks.2.conv1', 'the bug is still found through the alignment');

  const again = runCli('compare', join(dir, 'ref'), join(cand, 'dump.safetensors'), '--map', map, '--json', '-');
  const rep2 = JSON.parse(again.stdout) as ReportJson;
  assert.deepEqual(rep2.unmatched_ref, []);
  for (const p of rep2.pairs) {
    assert.ok(p.pairing.by === 'rule' || p.pairing.by === 'name', `${p.ref_name}: ${p.pairing.by}`);
    assert.equal(p.cand_name, want(p.ref_name), p.ref_name);
  }
  assert.equal(rep2.first_divergence, 'blocks.2.conv1');
});
