// Go to Dump Site: one button per side whose manifest recorded the file:line that dumped the
// selected layer. The host opens the site (it looks it up in its own report and checks it is
// inside the workspace or the run folder); the webview only names the layer and the side.
import { dumpSiteOf, type ReportPair } from '../../../src/protocol/parityReport';
import { button, h } from '../../shared/dom';
import { post } from '../messages';
import { state } from '../state';

export function dumpSitesSection(p: ReportPair): HTMLElement | null {
  const report = state.report;
  if (!report) return null;
  const buttons: HTMLElement[] = [];
  for (const [side, label] of [
    ['ref', 'reference'],
    ['cand', 'candidate'],
  ] as const) {
    const site = dumpSiteOf(report, p, side);
    if (!site) continue;
    const base = site.file.split(/[\\/]/).pop() ?? site.file;
    const where = `${site.file}:${site.line}`;
    buttons.push(
      button(
        `Go to dump site (${label}): ${base}:${site.line}`,
        { id: `goto-site-${side}`, secondary: true, title: where, 'data-site': where },
        () => post({ kind: 'openDumpSite', payload: { name: p.name, side } }),
      ),
    );
  }
  return buttons.length ? h('div', { class: 'dump-sites', id: 'dump-sites' }, ...buttons) : null;
}
