// The host's side of the parity report protocol, without the VS Code API (tested in Node):
// runs the comparison, answers layer requests only for layers of its own report, and turns
// the engine's heatmaps, stats and histograms into protocol messages.
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import {
  dumpSiteOf,
  isParityWebviewMessage,
  type Heatmap,
  type LayerDetail,
  type ParityHostMessage,
  type ParitySource,
} from '../../protocol/parityReport';
import type { CompareMap, CompareOutput, CompareProgress, PairResult, ToleranceOverride } from '../../core/compare/types';
import { withPair } from '../../core/compare/verdict';
import type { Heatmap as CoreHeatmap } from '../../core/images/types';
import { heatmapsOfValues, type LayerValues } from '../../core/viewer/pairValues';

export interface ParityHost {
  post(message: ParityHostMessage): void;
  /** `map` carries the saved tolerance edits; `only` re-measures just those pairs. */
  compare(
    source: ParitySource,
    onProgress: (p: CompareProgress) => void,
    extra?: { map?: CompareMap; only?: readonly string[] },
  ): Promise<CompareOutput>;
  /** The saved tolerance edits (a `--map` file in `.mflux-port/`), when the host keeps them. */
  loadTolerances?(): CompareMap | undefined;
  /** Saves one tensor's edited tolerance; returns the map now in effect. */
  saveTolerance?(name: string, tolerance: ToleranceOverride): CompareMap;
  /** Both sides in the reference layout, or null when too large / unreadable. */
  readValues(output: CompareOutput, pair: PairResult): Promise<LayerValues | null>;
  save(format: 'json' | 'html', output: CompareOutput): Promise<void>;
  copy(text: string): Promise<void>;
  /** Opens a file at a 1-based line (Go to Dump Site); only called with a validated recorded site. */
  openFile?(file: string, line: number): Promise<void>;
  /** Folders a dump site may be in: the workspace folders and the run folder. */
  siteRoots?(): readonly string[];
  rejected(raw: unknown): void;
  /** Capture Inside: re-runs both sides restricted to this pair's module (only for run folders). */
  captureInside?(pair: PairResult): Promise<void>;
}

const realOrNull = (p: string): string | null => {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
};
const inside = (file: string, root: string) => {
  const rel = relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

function axisLabel(h: CoreHeatmap): string {
  const pooled = h.poolX > 1 || h.poolY > 1 ? `, max-pooled ${h.poolY}×${h.poolX}` : '';
  const red = h.reduction === 'none' ? '' : `, ${h.reduction} over other dims`;
  return `${h.rowAxis}×${h.colAxis} ${h.sourceHeight}×${h.sourceWidth}${red}${pooled}`;
}

function toHeatmap(h: CoreHeatmap, label: string): Heatmap {
  return { label, width: h.width, height: h.height, values: h.data };
}

/** Power-of-two |diff| bins of the engine, trimmed to the occupied range. */
function histogramOf(p: PairResult): LayerDetail['histogram'] {
  const h = p.histogram;
  if (!h) return null;
  let lo = h.counts.findIndex((c) => c > 0);
  let hi = h.counts.length - 1 - [...h.counts].reverse().findIndex((c) => c > 0);
  if (lo < 0) {
    lo = 0;
    hi = -1;
  }
  lo = Math.max(0, lo - 1);
  hi = Math.min(h.counts.length - 1, hi + 1);
  const counts = h.counts.slice(lo, hi + 1);
  const edges = Array.from({ length: counts.length + 1 }, (_, i) => 2 ** (h.minExp + lo + i));
  return counts.length ? { edges, counts } : null;
}

export class ParityController {
  private output: CompareOutput | null = null;
  private running: Promise<CompareOutput | null> | null = null;
  private map: CompareMap | undefined;
  /** Edits are applied one after another, each on the report the previous one left. */
  private editing: Promise<unknown> = Promise.resolve();

  constructor(
    readonly source: ParitySource,
    private readonly title: string,
    private readonly host: ParityHost,
  ) {}

  /** Starts the comparison once; later calls share it. */
  run(): Promise<CompareOutput | null> {
    if (!this.running) {
      try {
        this.map = this.host.loadTolerances?.();
      } catch (e) {
        this.host.post({ kind: 'error', payload: { message: (e as Error).message } });
      }
    }
    this.running ??= this.host
      .compare(
        this.source,
        (p) => {
          this.host.post({
            kind: 'progress',
            payload: { message: p.current ? `Comparing ${p.current}` : 'Comparing', done: p.done, total: p.total },
          });
        },
        { map: this.map },
      )
      .then(
        (o) => {
          this.output = o;
          return o;
        },
        (e: unknown) => {
          this.host.post({ kind: 'error', payload: { message: (e as Error).message } });
          return null;
        },
      );
    return this.running;
  }

  async handle(raw: unknown): Promise<boolean> {
    if (!isParityWebviewMessage(raw)) {
      this.host.rejected(raw);
      return false;
    }
    switch (raw.kind) {
      case 'ready': {
        // A webview made again (tab switched, reload) gets the report with the edits made so far.
        await this.editing;
        const out = (await this.run()) && this.output;
        if (out)
          this.host.post({
            kind: 'init',
            payload: {
              title: this.title,
              refLabel: this.source.ref,
              candLabel: this.source.cand,
              report: out.report,
              source: this.source,
              ...(this.host.captureInside ? { captureInside: true } : {}),
            },
          });
        return true;
      }
      case 'selectLayer': {
        const pair = this.output?.report.pairs.find((p) => p.name === raw.payload.name);
        if (!pair || !this.output) {
          this.host.rejected(raw);
          return false;
        }
        this.host.post({ kind: 'layer', payload: await this.detail(this.output, pair) });
        return true;
      }
      case 'exportReport':
        if (!this.output) return false;
        await this.host.save(raw.payload.format, this.output);
        return true;
      case 'copyText':
        await this.host.copy(raw.payload.text);
        return true;
      case 'captureInside': {
        const pair = this.output?.report.pairs.find((p) => p.name === raw.payload.name);
        if (!pair || !this.host.captureInside) {
          this.host.rejected(raw);
          return false;
        }
        await this.host.captureInside(pair);
        return true;
      }
      case 'toleranceChanged':
        if (!this.output?.report.pairs.some((p) => p.name === raw.payload.name)) {
          this.host.rejected(raw);
          return false;
        }
        this.editing = this.editing.then(() => this.retolerance(raw.payload.name, raw.payload.tolerance));
        await this.editing;
        return true;
      case 'openDumpSite':
        return this.openDumpSite(raw, raw.payload.name, raw.payload.side);
    }
  }

  /**
   * Go to Dump Site: only the site the report's manifest recorded for that side of one of its
   * layers, and only a regular file inside the workspace or the run folder (real paths, so a
   * symlink cannot lead out); anything else is refused with a message naming the file.
   */
  private async openDumpSite(raw: unknown, name: string, side: 'ref' | 'cand'): Promise<boolean> {
    const report = this.output?.report;
    const pair = report?.pairs.find((p) => p.name === name);
    if (!report || !pair || !this.host.openFile) {
      this.host.rejected(raw);
      return false;
    }
    const which = side === 'ref' ? 'reference' : 'candidate';
    const site = dumpSiteOf(report, pair, side);
    const refuse = (message: string) => {
      this.host.post({ kind: 'error', payload: { message } });
      return false;
    };
    if (!site) return refuse(`No dump site is recorded for the ${which} side of ${name} (its manifest has no "site").`);
    const real = realOrNull(site.file);
    const roots = (this.host.siteRoots?.() ?? []).map(realOrNull).filter((r): r is string => r !== null);
    if (!real || !roots.some((r) => inside(real, r)))
      return refuse(`The ${which} dump site ${site.file}:${site.line} is not a file inside the workspace or the run folder; not opened.`);
    if (!statSync(real).isFile()) return refuse(`The ${which} dump site ${site.file} is not a file; not opened.`);
    await this.host.openFile(real, Math.max(1, site.line));
    return true;
  }

  /**
   * A tolerance edit sticks: it is saved (when the host keeps a map), the pair is measured
   * again under it by the engine, every verdict and the first divergence are judged again,
   * and the new report goes to the webview; exports and later opens use it.
   */
  private async retolerance(name: string, tolerance: ToleranceOverride): Promise<void> {
    const out = this.output as CompareOutput;
    try {
      this.map = this.host.saveTolerance
        ? this.host.saveTolerance(name, tolerance)
        : { ...this.map, tensors: { ...(this.map?.tensors ?? {}), [name]: tolerance } };
      const part = await this.host.compare(this.source, () => undefined, { map: this.map, only: [name] });
      const pair = part.report.pairs.find((p) => p.name === name);
      if (!pair) throw new Error(`${name} is no longer in the dumps`);
      const heatmaps = { ...out.heatmaps };
      if (part.heatmaps[name]) heatmaps[name] = part.heatmaps[name];
      this.output = { report: withPair(out.report, pair), heatmaps };
      this.host.post({ kind: 'report', payload: { report: this.output.report } });
    } catch (e) {
      this.host.post({ kind: 'error', payload: { message: `Tolerance of ${name} not applied: ${(e as Error).message}` } });
    }
  }

  async detail(out: CompareOutput, p: PairResult): Promise<LayerDetail> {
    let maps = out.heatmaps[p.name];
    let values: LayerValues | null = null;
    let note: string | null = null;
    try {
      values = p.transform === null ? null : await this.host.readValues(out, p);
    } catch (e) {
      note = `Values could not be re-read for re-judging: ${(e as Error).message}`;
    }
    if (!values && !note && p.transform !== null)
      note = `${p.numel.toLocaleString()} elements: too large to re-judge in the panel; the verdict is the engine’s.`;
    if (!maps && values) {
      const h = heatmapsOfValues(p.name, values);
      maps = { name: p.name, main: h.main, channels: h.channels };
    }
    if (!maps && !p.reason)
      note =
        [note, p.pass ? 'No heatmap: the engine keeps heatmaps of failing layers, and this one is too large to map here.' : null]
          .filter(Boolean)
          .join(' ') || null;
    return {
      name: p.name,
      numel: p.numel,
      heatmap: maps ? toHeatmap(maps.main, axisLabel(maps.main)) : null,
      channels: maps ? maps.channels.map((c) => toHeatmap(c, `channel ${c.channel} · max ${c.channelMax.toPrecision(3)}`)) : [],
      firstRef: p.ref_stats?.first ?? (values ? Array.from(values.ref.subarray(0, 10)) : []),
      firstCand: p.cand_stats?.first ?? (values ? Array.from(values.cand.subarray(0, 10)) : []),
      histogram: histogramOf(p),
      elements: values,
      note,
    };
  }
}
