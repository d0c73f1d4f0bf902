// The realistic scenario end to end: a PyTorch model's per-module dumps (NCHW) against an
// independent NumPy port in channels-last layout with one deliberate bug. The built CLI must
// pair everything through the layout transforms, name the buggy module as the first
// divergence, and write heatmaps and a self-contained HTML report.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ensureGenerated } from '../../helpers/python';
import { compareInWorker } from '../../../src/core/compare/client';
import type { ReportJson } from '../../../src/core/compare/types';
import type { CompareProgress } from '../../../src/core/compare/types';
import { ensureBuilt, runCli } from '../../helpers/cli';

const dir = ensureGenerated('scenario', 'test/fixtures/make_scenario.py');
const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as { buggy: string; ref_names: string[]; cand_names: string[] };
const ref = join(dir, 'ref');
const cand = join(dir, 'mlx', 'dump.safetensors');
const tmp = mkdtempSync(join(tmpdir(), 'mp-scenario-'));

before(() => {
  ensureBuilt();
});
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('compare --json - names the buggy module, through the channels-last transform', () => {
  const html = join(tmp, 'report.html');
  const heat = join(tmp, 'heat');
  const r = runCli('compare', ref, cand, '--map', join(dir, 'map.json'), '--json', '-', '--html', html, '--heatmaps', heat);
  assert.equal(r.code, 1, r.stderr);
  const rep = JSON.parse(r.stdout) as ReportJson;
  assert.equal(rep.first_divergence, truth.buggy);
  assert.deepEqual(rep.unmatched_ref, []);
  assert.deepEqual(rep.unmatched_cand, []);
  assert.equal(rep.order, 'manifest');
  assert.deepEqual(
    rep.pairs.map((p) => p.name),
    truth.ref_names,
    'pairs in capture order',
  );
  const by = new Map(rep.pairs.map((p) => [p.name, p]));
  assert.equal(by.get('blocks.0.conv1')?.transform, 'nhwc_to_nchw');
  assert.equal(by.get('attentions.0.to_q')?.transform, 'none');
  assert.equal(by.get('attentions.0.to_q')?.cand_name, 'attn.0.to_q');
  assert.equal(by.get('conv_in.weight')?.transform, 'ohwi_to_oihw');
  // [16,3,3,3] cannot tell its layout; the candidate's unambiguous 4-D pairs are channels-last
  assert.equal(by.get('conv_in.weight')?.layout_why, 'convention');
  assert.match(
    by.get('conv_in.weight')?.layout_detail ?? '',
    /4-D activations of the candidate read through ohwi_to_oihw: 28 of 28 unambiguous pairs/,
  );
  assert.equal(by.get('blocks.0.conv1')?.layout_why, 'shape');
  // downstream of the bug the pairs carry its error: drift, not new divergences
  assert.deepEqual(rep.verdicts, { pass: 20, drift: 16, diverged: 1, not_compared: 0 });
  assert.deepEqual(
    rep.layout_conventions.map((c) => [c.kind, c.transform, c.learned_from, c.pairs, c.of, c.applied]),
    [
      ['4-D activations', 'nhwc_to_nchw', '4-D activations', 28, 28, 0],
      ['4-D weights', 'ohwi_to_oihw', '4-D activations', 28, 28, 1],
      ['3-D', 'none', '3-D', 8, 8, 0],
    ],
  );
  assert.equal(rep.pairs.find((p) => p.name === truth.buggy)?.verdict, 'diverged');
  const firstBad = rep.pairs.findIndex((p) => !p.pass);
  assert.equal(rep.pairs[firstBad].name, truth.buggy);
  assert.ok(
    rep.pairs.slice(0, firstBad).every((p) => p.pass && (p.rel_l2 ?? 1) < 1e-5),
    'everything before the bug matches',
  );
  assert.equal(rep.error_growth.pattern, 'local');
  assert.equal(rep.error_growth.points[firstBad].jump, true);
  // --json - alone on stdout: nothing else printed there
  assert.ok(r.stdout.trim().startsWith('{') && r.stdout.trim().endsWith('}'));

  // heatmaps: the buggy module's map is its H×W grid, with a JSON legend beside it
  const png = PNG.sync.read(readFileSync(join(heat, `${truth.buggy}.png`)));
  const legend = JSON.parse(readFileSync(join(heat, `${truth.buggy}.json`), 'utf8'));
  assert.deepEqual([legend.map.height, legend.map.width, legend.map.rowAxis, legend.map.colAxis], [12, 10, 'H', 'W']);
  assert.equal(png.width % 10, 0);
  assert.equal(png.height / png.width, 12 / 10);
  assert.ok(Math.abs(legend.legend.high - (by.get(truth.buggy)?.max_abs ?? 0)) < 1e-5, 'legend top is the max |diff|');
  assert.ok(existsSync(join(heat, `${truth.buggy}.channels.png`)));
  assert.ok(!existsSync(join(heat, 'blocks.0.conv1.png')), 'passing pairs get no heatmap by default');

  // the HTML report is one offline file
  const text = readFileSync(html, 'utf8');
  assert.match(text, /First divergence: <a href="#pair-blocks\.2\.conv1">blocks\.2\.conv1<\/a>/);
  assert.match(text, /<tr class="fail first">/);
  assert.match(text, /src="data:image\/png;base64,/);
  assert.match(text, /<svg class="chart"/);
  assert.doesNotMatch(text, /<script|<link|https?:\/\//);
});

test('human output and exit 0 when a dump is compared with itself', () => {
  const r = runCli('compare', ref, ref);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /37 pairs: 37 pass, 0 drift, 0 diverged/);
  const bad = runCli('compare', ref, cand);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /first divergence: blocks\.2\.conv1 \(rel_l2 \S+ is \S+× the largest earlier error .*: a jump\)/);
  // without the rename map the attention blocks are aligned by capture order and shape, and marked
  assert.match(bad.stdout, /unmatched: 0 reference, 0 candidate/);
  for (const n of ['0.to_q', '0.group_norm', '1.to_out'])
    assert.match(
      bad.stdout,
      new RegExp(`attentions\\.${n.replace('.', '\\.')}  \\[aligned 0\\.\\d\\d: attn\\.${n.replace('.', '\\.')}\\]`),
    );
  assert.match(bad.stdout, /alignment: 12 pairs found by capture order/);
  // the HTML report marks them too
  const marked = join(tmp, 'aligned.html');
  runCli('compare', ref, cand, '--html', marked);
  assert.match(readFileSync(marked, 'utf8'), /<span class="pairing" title="shape [^"]*">aligned 0\.\d\d<\/span> ↔ attn\.0\.to_q/);
  // and with --no-align they stay unpaired
  assert.match(runCli('compare', ref, cand, '--no-align').stdout, /unmatched: 12 reference, 12 candidate/);
  // tolerances loose enough for the bug: everything passes
  const loose = runCli('compare', ref, cand, '--atol', '10', '--rtol', '1', '--json', '-');
  assert.equal(loose.code, 0, loose.stderr);
  const rep = JSON.parse(loose.stdout) as ReportJson;
  assert.equal(rep.first_divergence, null);
  assert.ok(rep.pairs.every((p) => p.atol === 10 && p.rtol === 1 && p.tolerance_source === 'global'));
});

test('bad input: exit 2 with one error line', () => {
  const cases: [string[], RegExp][] = [
    [['compare', join(tmp, 'missing'), cand], /^error: .*missing/],
    [['compare', ref], /^error: compare needs REF and CAND/],
    [['compare', ref, cand, '--atol', 'abc'], /^error: --atol must be a non-negative number/],
    [['compare', ref, cand, '--json', join(ref, 'out.json')], /^error: --json .* would write inside the input/],
    [['compare', ref, cand, '--bogus'], /^error: unknown option --bogus/],
  ];
  const mapFile = join(tmp, 'bad-map.json');
  writeFileSync(mapFile, '{"rename": {}}');
  cases.push([['compare', ref, cand, '--map', mapFile], /^error: .*bad-map\.json: "rename" must be a list/]);
  for (const [args, re] of cases) {
    const r = runCli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], re);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.ok(!existsSync(join(ref, 'out.json')));
});

test('the engine in a worker thread reports progress and returns the same report', async () => {
  const seen: CompareProgress[] = [];
  const out = await compareInWorker(
    { refPath: ref, candPath: cand, map: { rename: [{ from: '^attentions\\.(\\d+)', to: 'attn.$1' }] } },
    { onProgress: (p) => seen.push(p) },
  );
  assert.equal(out.report.first_divergence, truth.buggy);
  assert.ok(out.heatmaps[truth.buggy].main.data instanceof Float32Array);
  assert.ok(seen.length >= truth.ref_names.length);
  assert.deepEqual(seen.at(-1), { done: truth.ref_names.length, total: truth.ref_names.length });
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(compareInWorker({ refPath: ref, candPath: cand }, { signal: ac.signal }), (e: Error) => e.name === 'AbortError');
  // cancelled while running: the worker stops and the promise rejects
  const mid = new AbortController();
  let n = 0;
  await assert.rejects(
    compareInWorker(
      { refPath: ref, candPath: cand, chunkElements: 64 },
      {
        signal: mid.signal,
        onProgress: () => {
          if (++n === 5) mid.abort();
        },
      },
    ),
    (e: Error) => e.name === 'AbortError',
  );
});
