// Shared set-up of the parity report webview tests: the report NumPy computed
// (test/fixtures/webview_report.py), the host's detail message for a layer, and a panel opened
// on the report with the first divergence selected and its detail shown.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ensureGenerated } from '../helpers/python';
import { openPanel, type Harness, type Theme } from './harness';
import type { ParityReport } from '../../src/protocol/parityReport';

// Browser globals used inside page.evaluate callbacks (this Node program has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */

export const dir = ensureGenerated('webview-report', 'test/fixtures/webview_report.py');
export const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ParityReport;
export const details = JSON.parse(readFileSync(join(dir, 'details.json'), 'utf8')) as Record<string, any>;
/** Mismatch counts under other tolerances, by np.isclose. */
export const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Record<string, number>>;
export const first = report.first_divergence!;
/** How many pairs of the report carry verdict `v`. */
export const count = (v: string): number => report.pairs.filter((p) => p.verdict === v).length;

/** The host's `layer` message for one of the layers details.json holds. */
export function detailMessage(name: string) {
  const d = details[name];
  const f32 = (a: number[]) => new Float32Array(a);
  return {
    kind: 'layer',
    payload: {
      ...d,
      heatmap: { ...d.heatmap, values: f32(d.heatmap.values) },
      channels: d.channels.map((c: any) => ({ ...c, values: f32(c.values) })),
      elements: { ref: f32(d.elements.ref), cand: f32(d.elements.cand) },
    },
  };
}

/** The host's `init` message for a report (labels ref and mlx, no source folders unless given). */
export function initMessage(r: unknown, title: string, extra: Record<string, unknown> = {}) {
  return { kind: 'init', payload: { title, refLabel: 'ref', candLabel: 'mlx', report: r, source: null, ...extra } };
}

/** A report of just these pairs: nothing unpaired, no first divergence. */
export function pairsReport(pairs: unknown, more: Record<string, unknown> = {}) {
  return { pairs, first_divergence: null, unmatched_ref: [], unmatched_cand: [], ...more };
}

/** The panel on the report: the webview selects the first divergence, the host answers with its detail. */
export async function openReport(browser: Browser, theme: Theme = 'dark', size?: { width: number; height: number }): Promise<Harness> {
  const h = await openPanel(browser, 'parityReport', theme, size);
  await h.waitForPosted('ready');
  await h.send(initMessage(report, 'Parity: debug_artifacts/run-0142', { source: { ref: '/tmp/ref', cand: '/tmp/mlx' } }));
  const sel = await h.waitForPosted('selectLayer');
  assert.equal(sel.payload.name, first);
  await h.send(detailMessage(first));
  await h.page.waitForSelector('#first-values');
  return h;
}

/** The layer names of the table's rendered rows, top to bottom. */
export function rowNames(h: Harness): Promise<string[]> {
  return h.page.$$eval('#layers tbody tr[data-name]', (trs: any[]) => trs.map((t) => t.dataset.name));
}

/** Types into one of the panel's text fields (`tol-atol`, `tol-rtol`). */
export async function setField(h: Harness, id: string, value: string): Promise<void> {
  await h.page.locator(`#${id} input`).fill(value);
}
