// Capture Inside's module paths, the terminal tail of a failed run, and the run history of a
// port: real probe runs of a real torch model (fixtures_history.py) compared by the engine,
// their summaries in real run folders, and a real Python traceback read back from terminal-style
// output.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, REPO_ROOT } from '../../helpers/python';
import { runCompare } from '../../../src/core/compare/engine';
import { summarize } from '../../../src/core/compare/history';
import {
  captureInsideTarget,
  errorLine,
  historyMarkdown,
  moduleOfDump,
  OutputTail,
  previousPair,
  RUN_EVIDENCE_KEEP,
  RUNS_ITEM,
  runEvidence,
  runHistory,
  sideDir,
  tracebackTail,
  withRunEvidence,
  writeRunRecord,
  writeSummary,
  type RunRecord,
} from '../../../src/core/runners';
import { itemState, newPortState } from '../../../src/core/checklist/state';

const tmp = mkdtempSync(join(tmpdir(), 'mp-drill-'));
const dumps = join(tmp, 'dumps');
before(() => {
  const r = spawnSync(PYTHON, [join(REPO_ROOT, 'test', 'unit', 'compare', 'fixtures_history.py'), dumps], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('Capture Inside: a dump name gives its module path (tuple element, step, repeat stripped)', () => {
  assert.equal(moduleOfDump('transformer_blocks.3.attn[0]@step002#2'), 'transformer_blocks.3.attn');
  assert.equal(moduleOfDump('vae.act'), 'vae.act');
  assert.equal(moduleOfDump('decoder.mid[sample]'), 'decoder.mid');
  assert.equal(moduleOfDump('noise_pred@999.0'), 'noise_pred');
  assert.equal(moduleOfDump('blocks.2#3'), 'blocks.2');
  assert.deepEqual(captureInsideTarget('attentions.1.to_q@step000', 'attn.1.q_proj@step000'), {
    ref: 'attentions.1.to_q',
    mlx: 'attn.1.q_proj',
  });
  assert.throws(() => captureInsideTarget('@step001', 'x'), /names no module/);
  assert.throws(() => captureInsideTarget('a,b', 'a'), /commas or spaces/);
});

test('the tail of a failed run: a real Python traceback, through escapes, OSC 633 and chunk splits', () => {
  const script =
    'import sys\nfor i in range(300): print("step", i)\ndef f(x):\n    raise ValueError(f"shapes differ: {x}")\nf((1, 4, 8))\n';
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  const expected = (r.stdout + r.stderr).trimEnd().split('\n');
  // what a terminal reader gets: CRLF, colours, shell-integration marks, a progress line redrawn with \r
  const raw =
    '\x1b]633;C\x07' +
    (r.stdout + '\r50%\r100%\n' + r.stderr).replace(/\n/g, '\r\n').replace(/ValueError/g, '\x1b[31mValueError\x1b[0m') +
    '\x1b]633;D;1\x07';
  const tail = new OutputTail(200);
  for (let i = 0; i < raw.length; i += 7) tail.push(raw.slice(i, i + 7));
  const lines = tail.result();
  assert.equal(lines.length, 200);
  const want = [...expected.slice(0, 300), '100%', ...expected.slice(300)].slice(-200);
  assert.deepEqual(lines, want);
  const tb = tracebackTail(lines);
  assert.equal(tb[0], 'Traceback (most recent call last):');
  assert.equal(tb.at(-1), 'ValueError: shapes differ: (1, 4, 8)');
  assert.equal(errorLine(lines), 'ValueError: shapes differ: (1, 4, 8)');
  assert.deepEqual(tracebackTail(['a', 'b', 'c'], 2), ['b', 'c']);
  assert.equal(errorLine(['exit 3', '']), 'exit 3');
});

async function compared(repo: string, runId: string, cand: string, include?: string): Promise<string> {
  const dir = sideDir(repo, runId, 'mlx');
  mkdirSync(dir, { recursive: true });
  cpSync(join(dumps, cand), dir, { recursive: true });
  const rec = {
    version: 1,
    runId,
    side: 'mlx',
    status: 'passed',
    exitCode: 0,
    env: include ? { MFLUX_PORT_CAPTURE_INCLUDE: include } : {},
  };
  await writeRunRecord(dir, rec as unknown as RunRecord);
  const out = await runCompare({ refPath: join(dumps, 'ref'), candPath: dir, heatmaps: 'none' });
  await writeSummary(dir, summarize(out.report));
  return dir;
}

test('run history: the newest run against the previous one with the same capture, as Markdown and checklist evidence', async () => {
  const repo = join(tmp, 'mflux');
  await compared(repo, '20261203-100000-000', 'old');
  await compared(repo, '20261203-110000-000', 'capped', 'layers.3');
  await compared(repo, '20261203-120000-000', 'new');
  const history = await runHistory(repo);
  assert.deepEqual(
    history.map((h) => [h.runId, h.include, h.summary?.first_divergence]),
    [
      ['20261203-120000-000', null, 'layers.7'],
      ['20261203-110000-000', 'layers.3', null],
      ['20261203-100000-000', null, 'layers.2'],
    ],
  );
  const p = previousPair(history);
  assert.ok(p.ok);
  // the Capture Inside run in between is not the baseline of a full run
  assert.equal(p.before.runId, '20261203-100000-000');
  assert.equal(p.delta.headline, 'first divergence moved from `layers.2` to `layers.7`');
  assert.deepEqual([p.delta.better, p.delta.worse], [5, 3]);
  const md = historyMarkdown('z_image', p, history);
  assert.match(md, /\*\*first divergence moved from `layers\.2` to `layers\.7`\*\*; 5 better, 3 worse\./);
  assert.match(md, /\| layers\.2 \| fixed \|/);
  assert.match(md, /\| layers\.7 \| worse \|/);
  assert.match(md, /- 20261203-110000-000 · inside `layers\.3`: all 4 pass/);
  assert.match(md, /- 20261203-100000-000: first divergence at layers\.2 \(2 of 10 pass\)/);
  assert.deepEqual(previousPair(history.slice(0, 1)), {
    ok: false,
    reason: 'run 20261203-120000-000 is the only compared run: there is no previous run to compare it with yet',
  });

  let state = newPortState({ model: 'z_image', reference: 'x', mfluxRepo: repo, notes: '' } as never);
  for (let i = 0; i < RUN_EVIDENCE_KEEP + 2; i++)
    state = withRunEvidence(state, runEvidence({ runId: `r${i}`, dir: join(repo, `r${i}`), include: null }, history[0].summary!));
  const ev = itemState(state, RUNS_ITEM).evidence;
  assert.equal(ev.length, RUN_EVIDENCE_KEEP);
  assert.equal(ev[0].label, 'run r2: first divergence at layers.7 (7 of 10 pass)');
  assert.equal(ev.at(-1)?.target, join(repo, 'r11', 'report-summary.json'));
});
