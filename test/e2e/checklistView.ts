// Reading the checklist view's progress in e2e tests: port and phase rows are never refreshed
// (a refresh would drop checkbox events), so their progress is a file-decoration badge (the
// number of open items, ✓ when closed) and the view's description ("<model> <done>/<total>").
import type { VSCodeSession } from './harness';
import { waitFor } from './harness';

/** The badge a row shows ("" when none): CSS content of the decoration's ::after. */
export async function rowBadge(vs: VSCodeSession, label: string): Promise<string> {
  const row = vs.treeItem(label).first();
  await row.waitFor({ state: 'visible' });
  const badge = row.locator('[class*="monaco-decoration-itemBadge-"]');
  if ((await badge.count()) === 0) return '';
  const content = await badge
    .first()
    .evaluate(
      (el) =>
        (globalThis as unknown as { getComputedStyle(e: unknown, pseudo: string): { content: string } }).getComputedStyle(el, '::after')
          .content,
    );
  return content === 'none' ? '' : content.replace(/^"|"$/g, '');
}

export async function waitBadge(vs: VSCodeSession, label: string, want: string): Promise<void> {
  await waitFor(
    async () => (await rowBadge(vs, label)) === want,
    `"${label}" to show the badge ${want}`,
    20_000,
    async () => `it shows "${await rowBadge(vs, label)}"`,
  );
}

/** The description in the Porting Checklist view's header. */
export async function viewDescription(vs: VSCodeSession): Promise<string> {
  const d = vs.page.locator('.pane-header[aria-label^="Porting Checklist"] .description');
  return (await d.count()) ? ((await d.first().textContent()) ?? '').trim() : '';
}

export async function waitViewDescription(vs: VSCodeSession, want: string): Promise<void> {
  await waitFor(
    async () => (await viewDescription(vs)) === want,
    `the checklist view to read "${want}"`,
    20_000,
    async () => `it reads "${await viewDescription(vs)}"`,
  );
}
