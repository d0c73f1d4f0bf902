// Writing what a comparison produced: heatmap PNGs (+ a JSON legend beside each), the JSON
// report and the HTML report. Files are written to a temporary name and renamed, so an
// interrupted run never leaves half a file; inputs are never overwritten.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderHeatmap, tile } from '../images/render';
import { encodePng } from '../images/png';
import type { ColorScale } from '../images/types';
import type { CompareOutput, ReportJson } from './types';

export function writeAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** A file name for a tensor name: keeps letters, digits, dot, dash, underscore and @. */
function safeFileName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._@-]+/g, '_').replace(/^\.+/, '_');
  return s.slice(0, 160) || '_';
}

export interface WrittenHeatmap {
  readonly name: string;
  readonly png: string;
  readonly channelsPng?: string;
  readonly legend: string;
}

/**
 * Writes `<name>.png`, `<name>.channels.png` (worst channels, shared scale) and `<name>.json`.
 * Every pair reserves all three names (case-insensitively), so `blk`'s channels never take the
 * `blk.channels` pair's image; a clash gets `~2`, `~3`. `guard` sees every file before any is
 * written (the CLI refuses one that is an input).
 */
export function writeHeatmaps(
  out: CompareOutput,
  dir: string,
  scale: ColorScale = 'linear',
  guard: (file: string) => void = () => {},
): WrittenHeatmap[] {
  const used = new Set<string>();
  const plan: { p: (typeof out.report.pairs)[number]; base: string }[] = [];
  const files = (base: string) => [`${base}.png`, `${base}.channels.png`, `${base}.json`];
  for (const p of out.report.pairs) {
    if (!out.heatmaps[p.name]) continue;
    let base = safeFileName(p.name);
    for (let i = 2; files(base).some((f) => used.has(f.toLowerCase())); i++) base = `${safeFileName(p.name)}~${i}`;
    for (const f of files(base)) used.add(f.toLowerCase());
    plan.push({ p, base });
  }
  for (const { base } of plan) for (const f of files(base)) guard(join(dir, f));
  mkdirSync(dir, { recursive: true });
  const written: WrittenHeatmap[] = [];
  for (const { p, base } of plan) {
    const h = out.heatmaps[p.name];
    const main = renderHeatmap(h.main, { colormap: 'viridis', scale });
    const png = join(dir, `${base}.png`);
    writeAtomic(png, encodePng(main.width, main.height, main.rgba));
    let channelsPng: string | undefined;
    let channelLegend;
    if (h.channels.length) {
      const high = Math.max(...h.channels.map((c) => (Number.isFinite(c.max) ? c.max : 0))) || 1;
      const imgs = h.channels.map((c) =>
        renderHeatmap(c, {
          colormap: 'viridis',
          scale,
          low: scale === 'log' ? undefined : 0,
          high,
          zoom: Math.max(1, Math.floor(128 / Math.max(c.width, c.height))),
        }),
      );
      const t = tile(imgs, 3);
      channelsPng = join(dir, `${base}.channels.png`);
      writeAtomic(channelsPng, encodePng(t.width, t.height, t.rgba));
      channelLegend = imgs[0].legend;
    }
    const legend = join(dir, `${base}.json`);
    const strip = ({ data: _data, ...rest }: { data: Float32Array }) => rest;
    writeAtomic(
      legend,
      JSON.stringify(
        {
          name: p.name,
          png: `${base}.png`,
          map: strip(h.main),
          legend: main.legend,
          channels: h.channels.length
            ? {
                png: `${base}.channels.png`,
                order: h.channels.map((c) => ({ channel: c.channel, max: c.channelMax })),
                legend: channelLegend,
              }
            : undefined,
        },
        null,
        1,
      ),
    );
    written.push({ name: p.name, png, channelsPng, legend });
  }
  return written;
}

/** JSON with non-finite numbers as null (the metrics already are; this guards the rest). */
export function reportToJson(r: ReportJson): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}
