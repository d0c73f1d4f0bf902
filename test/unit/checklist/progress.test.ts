import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentPhase, formatProgress, nextOpenItem, phaseProgress, portProgress } from '../../../src/core/checklist/progress';
import { checklistMarkdown, evidenceMarkdown } from '../../../src/core/checklist/markdown';
import { ItemStatus, parseState, PortState } from '../../../src/core/checklist/state';
import { ALL_ITEMS, WORKFLOW, findPhase } from '../../../src/core/checklist/workflow';
import type { CheckResult } from '../../../src/core/checks';

const FILE = '/home/u/src/mflux/.mflux-port/z_image.json';

function stateWith(
  items: Record<string, { status: ItemStatus; note?: string; evidence?: unknown[] }>,
  extra: Record<string, unknown> = {},
): PortState {
  return parseState(
    JSON.stringify({
      schema: 1,
      model: 'z_image',
      reference: 'Tongyi-MAI/Z-Image-Turbo',
      referenceRepo: '../diffusers',
      notes: '',
      items,
      ...extra,
    }),
    FILE,
  );
}

test('an empty port: 0 of all items, next is the first item of phase 1', () => {
  const s = stateWith({});
  const p = portProgress(s);
  assert.deepEqual(p, {
    done: 0,
    inProgress: 0,
    todo: ALL_ITEMS.length,
    skipped: 0,
    applicable: ALL_ITEMS.length,
    total: ALL_ITEMS.length,
  });
  assert.equal(formatProgress(p), `0/${ALL_ITEMS.length}`);
  assert.equal(nextOpenItem(s)?.item.id, 'scope.targets');
  assert.equal(currentPhase(s).id, 'scope');
});

test('skipped items leave the total; in-progress items stay open', () => {
  const s = stateWith({
    'scope.targets': { status: 'done' },
    'scope.tolerances': { status: 'done' },
    'scope.referenceFiles': { status: 'skipped' },
    'scope.checkpoints': { status: 'in_progress' },
    'finalize.lora': { status: 'skipped' },
  });
  const p = portProgress(s);
  assert.equal(p.done, 2);
  assert.equal(p.skipped, 2);
  assert.equal(p.inProgress, 1);
  assert.equal(p.applicable, ALL_ITEMS.length - 2);
  assert.equal(formatProgress(p), `2/${ALL_ITEMS.length - 2} · 2 skipped`);
  const scope = phaseProgress(s, findPhase('scope')!);
  assert.equal(formatProgress(scope), '2/4 · 1 skipped');
  // The next open item is the first open one in workflow order: the in-progress checkpoint item.
  assert.equal(nextOpenItem(s)?.item.id, 'scope.checkpoints');
});

test('unknown item ids in the file do not count toward progress', () => {
  const s = stateWith({ 'old.removedItem': { status: 'done' } });
  assert.equal(portProgress(s).done, 0);
});

test('when every item is closed there is no next item and the current phase is the last', () => {
  const items: Record<string, { status: ItemStatus }> = {};
  ALL_ITEMS.forEach((i, k) => (items[i.id] = { status: k % 7 === 0 ? 'skipped' : 'done' }));
  const s = stateWith(items);
  assert.equal(nextOpenItem(s), undefined);
  assert.equal(currentPhase(s).id, 'finalize');
  const p = portProgress(s);
  assert.equal(p.done, p.applicable);
});

test('next item moves into a later phase once earlier phases are closed', () => {
  const items: Record<string, { status: ItemStatus }> = {};
  for (const phase of WORKFLOW.slice(0, 2)) for (const i of phase.items) items[i.id] = { status: 'done' };
  const s = stateWith(items);
  assert.equal(nextOpenItem(s)?.item.id, 'order.vaeDecode');
  assert.equal(currentPhase(s).id, 'order');
});

test('Markdown export: heading with progress, task boxes, skipped struck through, notes and evidence', () => {
  const s = stateWith(
    {
      'scope.targets': { status: 'done', note: 'match final image at 1024²\nspeed: within 20% of flux2' },
      'scope.tolerances': { status: 'skipped', note: 'defaults' },
      'scope.referenceFiles': { status: 'in_progress' },
      'fast.skeleton': {
        status: 'done',
        evidence: [
          { kind: 'file', target: '/home/u/src/mflux/src/mflux/models/z_image/__init__.py', line: 3 },
          { kind: 'commit', target: '0123456789abcdef0123', label: 'VAE done' },
          { kind: 'url', target: 'https://example.org/pr/1', label: 'PR' },
          { kind: 'report', target: 'debug_artifacts/run1/report.html' },
        ],
      },
    },
    { notes: 'Port <b>notes</b>\nsecond line' },
  );
  const checks = new Map<string, CheckResult>([
    ['fast.skeleton', { status: 'pass', reason: 'ok', evidence: [] }],
    ['fast.weightDefinition', { status: 'fail', reason: 'weights/z_image_weight_definition.py does not exist.', evidence: [] }],
  ]);
  const md = checklistMarkdown(s, { checks });
  const lines = md.split('\n');
  assert.equal(lines[0], `## Port of \`z_image\` to mflux — 2/${ALL_ITEMS.length - 1} · 1 skipped done`);
  assert.ok(md.includes('Reference: `Tongyi-MAI/Z-Image-Turbo` · reference repo: `../diffusers`'));
  assert.ok(md.includes('> Port &lt;b>notes&lt;/b>\n> second line'));
  assert.ok(md.includes('### 1. Scope and parity (1/4 · 1 skipped)'));
  assert.ok(md.includes('- [x] Set parity targets: outputs, speed, memory\n  match final image at 1024²\n  speed: within 20% of flux2'));
  assert.ok(md.includes('- [ ] ~~Choose tolerances~~ — skipped\n  defaults'));
  assert.ok(md.includes('- [ ] Find the reference code and configs to mirror — *in progress*'));
  assert.ok(md.includes('- [x] Create the model package skeleton (verified from files)'));
  assert.ok(
    md.includes(
      '  Evidence: [`src/mflux/models/z_image/__init__.py:3`](src/mflux/models/z_image/__init__.py#L3), 0123456789ab (VAE done), [PR](https://example.org/pr/1), [`debug_artifacts/run1/report.html`](debug_artifacts/run1/report.html)',
    ),
  );
  assert.ok(md.includes('- [ ] Write the weight definition (auto-check fails: weights/z_image_weight_definition.py does not exist.)'));
  for (const phase of WORKFLOW) assert.ok(md.includes(`### ${phase.number}. ${phase.title} (`), phase.title);
  // One checkbox line per workflow item.
  assert.equal(lines.filter((l) => /^- \[[ x]\] /.test(l)).length, ALL_ITEMS.length);
  assert.ok(md.endsWith('\n') && !md.endsWith('\n\n'));
});

test('Markdown export does not call an open item verified when its rule only proves an absence', () => {
  const s = stateWith({ 'finalize.audit': { status: 'done' } });
  const pass: CheckResult = { status: 'pass', reason: 'clean', evidence: [] };
  const checks = new Map([
    ['order.removeTraces', pass],
    ['finalize.audit', pass],
    ['fast.skeleton', pass],
  ]);
  const md = checklistMarkdown(s, { checks, proving: new Set(['fast.skeleton']) });
  assert.ok(md.includes('- [ ] Remove loaded tensors and debug artifacts\n'));
  assert.ok(md.includes('- [x] Integration audit and clean tree (verified from files)'));
  assert.ok(md.includes('- [ ] Create the model package skeleton (verified from files)'));
});

test('evidence outside the repo keeps its absolute path', () => {
  assert.equal(evidenceMarkdown('/home/u/src/mflux', { kind: 'file', target: '/tmp/x.png' }), '[`/tmp/x.png`](/tmp/x.png)');
});
