// The HTML export of a parity report carries the probe's capture notes: where a byte cap stopped
// the candidate's dumps, the value it skipped (a name that is markup, escaped), and the file:line
// that dumped each pair, all from two real probe runs (py/probe_notes.py).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PYTHON, REPO_ROOT } from '../../helpers/python';
import { runCompare } from '../../../src/core/compare/engine';
import { renderHtmlReport } from '../../../src/core/compare/html';

const tmp = mkdtempSync(join(tmpdir(), 'mp-html-notes-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Runs {
  readonly ref: { readonly lines: Record<string, number>; readonly nbytes: number };
  readonly cap: number;
  readonly script: string;
}

function probeRuns(): Runs {
  const r = spawnSync(PYTHON, [join(REPO_ROOT, 'test', 'unit', 'compare', 'py', 'probe_notes.py'), tmp], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Runs;
}

const escaped = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

test('the HTML export lists the cut and the skipped value (escaped) and each pair’s dump sites', async () => {
  const runs = probeRuns();
  const out = await runCompare({ refPath: join(tmp, 'ref'), candPath: join(tmp, 'cand'), heatmaps: 'all' });
  const html = renderHtmlReport(out, { generatedAt: new Date(0) });
  // Two 100-float32 dumps fit under the 1000-byte cap; the third does not.
  const written = 2 * runs.ref.nbytes;
  assert.ok(html.includes('<h2>Capture notes</h2>'));
  assert.ok(
    html.includes(
      `<b>candidate</b>: capture stopped at ${written} B after b (MFLUX_PORT_MAX_BYTES=${(runs.cap / 1000).toFixed(1)} KB); later checkpoints were not dumped`,
    ),
    html.slice(html.indexOf('Capture notes'), html.indexOf('Capture notes') + 600),
  );
  assert.ok(html.includes(`<b>candidate</b>: skipped ${escaped('<script>alert(1)</script>')}: cannot dump a builtins.object`));
  assert.ok(!html.includes('<script>'), 'no markup from a note reaches the page');
  assert.ok(!/<b>reference<\/b>/.test(html), 'the reference run has no notes');
  for (const name of ['a', 'b']) {
    const section = html.slice(html.indexOf(`<section id="pair-${name}"`));
    const site = `${escaped(runs.script)}:${runs.ref.lines[name]}`;
    assert.ok(section.startsWith('<section'), `a detail section for ${name}`);
    assert.ok(section.slice(0, section.indexOf('</section>')).includes(`reference dumped at ${site} · candidate dumped at ${site}`), name);
  }
});

test('a report without capture notes has no Capture notes section', async () => {
  probeRuns();
  const out = await runCompare({ refPath: join(tmp, 'ref'), candPath: join(tmp, 'ref') });
  assert.ok(!renderHtmlReport(out).includes('Capture notes'));
});
