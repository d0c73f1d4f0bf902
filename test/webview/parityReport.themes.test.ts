// The parity report in the light, dark and high-contrast test themes (headless Chromium): the
// colours the panel computes are the theme's own variables (read from test/webview/themes/*.css),
// the verdict badges carry their state's colour (outlined in high contrast), the first diverging
// row is highlighted, a cut layer name uses the room its cell has, and nothing sticks out.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computed, cssColour, overflowing, themeVariables, useBrowser } from './harness';
import { first, openReport, report } from './parityHarness';

// Browser globals used inside page.evaluate callbacks (this Node program has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const getComputedStyle: any;

const TRANSPARENT = 'rgba(0, 0, 0, 0)';
/** The theme variable each verdict badge is filled with (outside high contrast). */
const FILL = { pass: '--vscode-testing-iconPassed', drift: '--vscode-editorWarning-foreground', diverged: '--vscode-testing-iconFailed' };

describe('parity report webview: themes', () => {
  const browser = useBrowser();

  for (const theme of ['dark', 'light', 'hc'] as const)
    it(`follows the ${theme} theme: page, verdict badges, selected and first-divergence rows; nothing overflows`, async () => {
      const vars = themeVariables(theme);
      const h = await openReport(browser(), theme);
      const colour = (name: string) => cssColour(h.page, vars[name]);
      await h.page.waitForSelector('#legend-high');
      const body = await computed(h.page, 'body', ['background-color', 'color']);
      assert.equal(body['background-color'], await colour('--vscode-editor-background'), 'page background');
      assert.equal(body.color, await colour('--vscode-foreground'), 'page text');
      for (const [verdict, fill] of Object.entries(FILL)) {
        assert.ok(
          report.pairs.some((p) => p.verdict === verdict),
          verdict,
        );
        const badge = await computed(h.page, `#layers tbody .verdict-cell .badge[data-verdict="${verdict}"]`, [
          'background-color',
          'color',
          'border-top-color',
        ]);
        if (theme === 'hc') {
          assert.equal(badge['background-color'], TRANSPARENT, `${verdict} badge is outlined, not filled`);
          assert.equal(badge.color, await colour('--vscode-foreground'), `${verdict} badge text`);
          assert.equal(badge['border-top-color'], await colour('--vscode-contrastBorder'), `${verdict} badge border`);
        } else {
          assert.equal(badge['background-color'], await colour(fill), `${verdict} badge fill`);
          assert.equal(badge.color, await colour('--vscode-editor-background'), `${verdict} badge text`);
        }
      }
      // the first divergence is selected: the list's selection colours
      const sel = `#layers tbody tr[data-name="${first}"]`;
      assert.match((await h.page.getAttribute(sel, 'class'))!, /\bfirst-div\b/);
      const selected = await computed(h.page, sel, ['background-color', 'color']);
      assert.equal(selected['background-color'], await colour('--vscode-list-activeSelectionBackground'), 'selected row');
      assert.equal(selected.color, await colour('--vscode-list-activeSelectionForeground'), 'selected row text');
      // another row selected: the first divergence keeps the diff editor's "removed" background
      const next = report.pairs[report.pairs.findIndex((p) => p.name === first) + 1].name;
      await h.page.click(`#layers tbody tr[data-name="${next}"]`);
      await h.waitForPosted('selectLayer', 2);
      await h.page.waitForSelector(`${sel}[aria-selected="false"]`);
      const marked = await computed(h.page, sel, ['background-color']);
      assert.equal(marked['background-color'], await colour('--vscode-diffEditor-removedTextBackground'), 'first divergence row');
      // Each name cell holds its name and tags; a name cut short leaves less than four
      // characters of its cell unused (the tags' room is not overestimated).
      const cells = await h.page.$$eval('#layers tbody tr[data-name] td.name', (tds: any[]) =>
        tds.map((td) => {
          const name = td.querySelector('.mono');
          const used = [...td.children].reduce((w: number, c: any) => {
            const s = getComputedStyle(c);
            return w + c.getBoundingClientRect().width + parseFloat(s.marginLeft) + parseFloat(s.marginRight);
          }, 0);
          const pad = parseFloat(getComputedStyle(td).paddingLeft) + parseFloat(getComputedStyle(td).paddingRight);
          const char = name.getBoundingClientRect().width / name.textContent.length;
          return { row: td.parentElement.dataset.name, text: name.textContent, spare: td.clientWidth - pad - used, char };
        }),
      );
      for (const c of cells) {
        assert.ok(c.spare >= -0.5, `${c.row}: name and tags overflow their cell by ${-c.spare} px`);
        if (c.text !== c.row) assert.ok(c.spare < 4 * c.char, `${c.row} shown as "${c.text}" with ${Math.round(c.spare)} px unused`);
      }
      assert.deepEqual(await overflowing(h.page), [], 'nothing sticks out of the viewport');
      assert.deepEqual(await h.errors(), []);
      await h.screenshot(`parityReport-${theme}`);
      await h.close();
    });
});
