// `mflux-port compare REF CAND`: the parity report from the command line.
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareInWorker } from '../core/compare/client';

import { renderHtmlReport } from '../core/compare/html';
import { reportToJson, writeAtomic, writeHeatmaps } from '../core/compare/outputs';
import { OutputGuard } from '../core/compare/outputGuard';
import { openTensors } from '../core/tensors';
import { readCompareMap } from '../core/compare/mapFile';
import { learnMap, mapToJson } from '../core/compare/learnMap';
import type { CompareOptions, PairResult, PairingInfo, ReportJson } from '../core/compare/types';
import { describeCut } from '../core/compare/captureNotes';
import { describeDelta, diffRuns, readBaseline, summarize, type ReportSummaryJson } from '../core/compare/history';
import { formatValue } from '../core/images/colormap';
import { UsageError, parseArgs } from './args';
import type { SubCommand } from './main';
import { visible } from './visible';

const usage = `Usage: mflux-port compare REF CAND [options]

Pairs the tensors of two dumps (folders or files, any mix of safetensors / .npy / .npz /
torch.save), compares each pair in one streaming pass and names the first pair, in capture
order, that fails. REF is the reference (PyTorch) side: tolerances are relative to it.

  --atol X           absolute tolerance for every pair (default by dtype: fp32+ 1e-5,
                     fp16/bf16 1e-2; the looser side applies)
  --rtol Y           relative tolerance for every pair (same defaults)
  --map FILE         JSON: {"rename": [{"from": regex, "to": replacement}, ...],
                     "tolerances": [{"pattern": regex, "atol"?, "rtol"?}, ...],
                     "tensors": {"name": {"atol"?, "rtol"?}}}; rename rules turn
                     reference names into candidate names, applied in order; patterns
                     that can backtrack for ever (nested repetition like (a+)+, repeated
                     alternation, back-references, more than 4 unbounded repeats) are
                     refused, and a rule may not grow a name past 4096 characters
  --no-align         do not align tensors that names leave unpaired (see below)
  --write-map FILE   write the rename rules that pair what alignment (or the single-tensor
                     rule) found, after the rules of --map, as a map file to edit and reuse
  --overwrite-map    let --write-map replace an existing file
  --json FILE|-      write the report as JSON (- = stdout)
  --html FILE        write a self-contained HTML report (opens offline)
  --heatmaps DIR     write |diff| heatmaps (PNG + JSON legend) of the failing pairs
  --all-heatmaps     heatmaps for every pair, not only failing ones
  --max-heatmaps N   heatmaps for at most N pairs, the first in order (default 64)
  --reduction R      how channels reduce in heatmaps: max (default) or mean
  --scale S          heatmap color scale: linear (default) or log
  --baseline FILE    an earlier report (--json output, or a run's report-summary.json):
                     say what changed since, e.g. "first divergence moved from a to b",
                     and which pairs got better or worse (rel_l2 by 2x or more); the
                     --json output gets a "baseline" object
  --quiet            no table on stdout
                     (an output that is an input, a shard of one or inside an input folder,
                     also through symlinks or hard links, is refused)

  --strict           any pair outside its tolerance counts as diverged (no drift)
  --noise-floor REF2 a second run of the reference with one numeric change (another
                     dtype, device or thread count): per pair, its rel_l2 against REF is
                     the noise floor; a pair outside its tolerance diverges only when its
                     rel_l2 exceeds k x the floor (the floor replaces the jump rule; a
                     floor of 0, REF2 equal to REF, keeps the jump rule)
  --floor-factor K   k of the noise-floor rule (default 4)

Pairing: the same name on both sides, then the --map rename rules; two files of one tensor
each are the pair whatever their names. Tensors still unpaired on both sides are aligned
by capture order (the manifest.jsonl), shape (modulo the layout transforms), dtype and, to
break ties, value statistics; each aligned pair has a confidence, and pairs under 0.8 are
only suggested (listed, not compared). The table marks how each pair was found.

Every pair gets a verdict: pass (within its tolerance), drift (outside it, but carrying
the error it received: rel_l2 below 10x the largest earlier rel_l2, or within k x its
noise floor) or diverged (this layer introduces the error: a jump of 10x or more above
its rtol, a structural failure, new NaN/Inf, values that match only transposed, or above
k x its noise floor). The first divergence is the first diverged pair in capture order.

Layout differences (NHWC/NCHW, NLC/NCL, OHWI/OIHW, Flux packed latents) are reconciled
and named in the report. Shapes that cannot tell (C == H == W, L == C) follow the layout
the candidate's other pairs of that kind show; with no such pair they are compared as
stored, and values that match only transposed are a finding (diverged), never a pass.
Pairs are ordered by the manifest.jsonl next to a dump when there is one, else in
natural order (blocks.2 before blocks.10). The probe's notes in a manifest are reported:
where a byte cap stopped the capture, and values it skipped.
A pair whose dtype cannot be decoded (F4, F6, F8_E8M0, FNUZ float8s, UNKNOWN) is "not compared",
with the reason: never a failure, never the first divergence.
Exit codes: 0 nothing diverged (drift allowed; with --strict: every pair passes),
1 some pair diverged, 2 bad input or no pair to compare, 130 cancelled.
`;

function number(values: Map<string, string[]>, key: string): number | undefined {
  const v = values.get(key)?.at(-1);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || v.trim() === '') throw new UsageError(`${key} must be a non-negative number, got "${v}"`);
  return n;
}

function one<T extends string>(values: Map<string, string[]>, key: string, allowed: readonly T[], dflt: T): T {
  const v = values.get(key)?.at(-1);
  if (v === undefined) return dflt;
  if (!allowed.includes(v as T)) throw new UsageError(`${key} must be one of ${allowed.join(', ')}`);
  return v as T;
}

function n(v: number | null): string {
  return v === null ? '—' : formatValue(v);
}

const WORD: Record<PairResult['verdict'], string> = { pass: 'ok', drift: 'drift', diverged: 'DIVERGED', not_compared: 'not compared' };

function layoutCell(p: PairResult): string {
  if (p.transform === null) return '—';
  const t = p.transform === 'none' ? '' : p.transform;
  return p.layout_why === 'convention' ? `${t || 'none'} (convention)` : p.layout_why === 'values' ? `${t || 'none'} (transposed?)` : t;
}

/** How a pair was found, for the table: empty for same-name pairs. */
function pairingLabel(p: { readonly pairing: PairingInfo; readonly cand_name: string }): string {
  const how = p.pairing;
  if (how.by === 'name') return '';
  const conf = how.confidence === undefined ? '' : ` ${how.confidence.toFixed(2)}`;
  return `[${how.by}${conf}: ${p.cand_name}]`;
}

function table(r: ReportJson): string {
  const rows = r.pairs.map((p: PairResult) => [
    WORD[p.verdict],
    visible([p.name, pairingLabel(p), p.name === r.first_divergence ? '<- first divergence' : ''].filter(Boolean).join('  ')),
    layoutCell(p),
    (p.reason ? p.reason : `max ${n(p.max_abs)}  rel_l2 ${n(p.rel_l2)}  mismatch ${(p.mismatch_ratio * 100).toPrecision(3)}%`) +
      (p.floor_ratio !== undefined && p.floor_ratio !== null ? `  floor x${n(p.floor_ratio)}` : ''),
  ]);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length), 0));
  const lines = rows.map((row) => `${row[0].padEnd(w[0])}  ${row[1].padEnd(w[1])}  ${row[2].padEnd(w[2])}  ${row[3]}`.trimEnd());
  for (const p of r.pairs) if (p.note) lines.push(`note: ${p.name}: ${p.note}`);
  const single = r.pairs.find((p) => p.pairing.by === 'single');
  if (single)
    lines.push(
      `note: one tensor on each side, so ${JSON.stringify(single.ref_name)} is paired with ${JSON.stringify(single.cand_name)} despite the different names`,
    );
  const a = r.alignment;
  if (a) {
    if (a.skipped) lines.push(`alignment: ${a.skipped}`);
    else
      lines.push(
        `alignment: ${a.aligned} pair${a.aligned === 1 ? '' : 's'} found by ${a.order === 'manifest' ? 'capture order (manifests)' : 'listing order (no manifest on both sides)'}, shape and dtype${a.statistics ? ', ties broken by value statistics' : ''}; confidence shown as [aligned C: candidate]`,
      );
    for (const s of a.suggestions)
      lines.push(
        `uncertain, not compared: ${s.ref} <-> ${s.cand} (confidence ${s.confidence.toFixed(2)}; ${s.why}); pair it with a --map rule if it is right`,
      );
  }
  for (const c of r.layout_conventions) {
    const from = c.learned_from !== c.kind ? ` (learned from ${c.learned_from})` : '';
    if (c.transform !== null)
      lines.push(
        `layout: candidate ${c.kind}: ${c.transform}, ${c.pairs} of ${c.of} unambiguous pairs${from}; applied to ${c.applied} ambiguous`,
      );
    else if (c.applied > 0 || c.of > 0)
      lines.push(
        `layout: candidate ${c.kind}: no convention (${c.pairs} of ${c.of} unambiguous pairs agree); ambiguous pairs compared as stored`,
      );
  }
  lines.push('');
  const v = r.verdicts;
  lines.push(
    `${r.pairs.length} pairs: ${v.pass} pass, ${v.drift} drift, ${v.diverged} diverged${v.not_compared ? `, ${v.not_compared} not compared` : ''}${r.strict ? ' (--strict)' : ''}; unmatched: ${r.unmatched_ref.length} reference, ${r.unmatched_cand.length} candidate`,
  );
  if (r.noise_floor)
    lines.push(`noise floor: ${r.noise_floor.path} (${r.noise_floor.pairs} pairs, diverged above ${r.noise_floor.factor}x the floor)`);
  if (r.first_divergence) {
    const p = r.pairs.find((q) => q.name === r.first_divergence);
    lines.push(`first divergence: ${r.first_divergence}${p ? ` (${p.verdict_why})` : ''}`);
  } else if (r.first_outside_tolerance) {
    lines.push(`nothing diverged; first pair outside its tolerance: ${r.first_outside_tolerance} (drift)`);
  }
  for (const [side, notes] of [
    ['reference', r.capture?.ref],
    ['candidate', r.capture?.cand],
  ] as const) {
    if (notes?.cut) lines.push(`${side}: ${describeCut(notes.cut)}; later checkpoints were not dumped`);
    for (const k of notes?.skipped ?? []) lines.push(`${side}: skipped ${k.name}: ${k.reason}`);
  }
  // names, paths and notes come from the files: no control character reaches the terminal
  return lines.map(visible).join('\n') + '\n';
}

/** What the comparison reads: the tensor paths and every file their tensors live in (shards), and the other inputs. */
async function inputsOf(tensorPaths: readonly (string | undefined)[], others: readonly (string | undefined)[]): Promise<string[]> {
  const out: string[] = others.filter((p): p is string => Boolean(p)).map((p) => resolve(p));
  for (const p of tensorPaths) {
    if (!p) continue;
    out.push(p);
    const src = await openTensors(p);
    try {
      for (const t of src.list()) out.push(t.file);
    } finally {
      await src.close();
    }
  }
  return [...new Set(out)];
}

export const compareCommand: SubCommand = {
  name: 'compare',
  summary: 'per-layer parity report of two tensor dumps, first divergence, heatmaps',
  usage,
  run: async (args) => {
    let options: CompareOptions;
    let json: string | undefined, html: string | undefined, heatDir: string | undefined, writeMap: string | undefined;
    let quiet: boolean;
    let baseline: ReportSummaryJson | undefined;
    let overwriteMap = false;
    let scale: 'linear' | 'log';
    let guard: OutputGuard | undefined;
    try {
      const { positionals, flags, values } = parseArgs(
        args,
        ['--all-heatmaps', '--quiet', '--strict', '--no-align', '--overwrite-map'],
        [
          '--atol',
          '--rtol',
          '--map',
          '--json',
          '--html',
          '--heatmaps',
          '--reduction',
          '--scale',
          '--max-heatmaps',
          '--noise-floor',
          '--floor-factor',
          '--write-map',
          '--baseline',
        ],
      );
      if (positionals.length !== 2) throw new UsageError('compare needs REF and CAND');
      const [refPath, candPath] = positionals.map((p) => resolve(p));
      json = values.get('--json')?.at(-1);
      html = values.get('--html')?.at(-1);
      heatDir = values.get('--heatmaps')?.at(-1);
      writeMap = values.get('--write-map')?.at(-1);
      overwriteMap = flags.has('--overwrite-map');
      if (writeMap !== undefined) {
        if (writeMap === '-' || writeMap.trim() === '') throw new UsageError('--write-map needs a file name');
        writeMap = resolve(writeMap);
        if (existsSync(writeMap) && !flags.has('--overwrite-map'))
          throw new UsageError(`--write-map ${writeMap} exists; pass --overwrite-map to replace it`);
      }
      quiet = flags.has('--quiet') || json === '-';
      scale = one(values, '--scale', ['linear', 'log'] as const, 'linear');
      const baseFile = values.get('--baseline')?.at(-1);
      if (baseFile && json && json !== '-' && resolve(json) === resolve(baseFile))
        throw new UsageError(`--json ${json} would overwrite the --baseline it reads; write the new report elsewhere`);
      if (baseFile) baseline = readBaseline(resolve(baseFile));
      const mapFile = values.get('--map')?.at(-1);
      const floorArg = values.get('--noise-floor')?.at(-1);
      const floorPath = floorArg === undefined ? undefined : resolve(floorArg);
      const wantsHeat = Boolean(heatDir || html);
      options = {
        refPath,
        candPath,
        atol: number(values, '--atol'),
        rtol: number(values, '--rtol'),
        map: mapFile ? readCompareMap(mapFile) : undefined,
        heatmaps: !wantsHeat ? 'none' : flags.has('--all-heatmaps') ? 'all' : 'failing',
        reduction: one(values, '--reduction', ['max', 'mean'] as const, 'max'),
        maxHeatmaps: number(values, '--max-heatmaps'),
        align: !flags.has('--no-align'),
        strict: flags.has('--strict'),
        noiseFloorPath: floorPath,
        floorFactor: number(values, '--floor-factor'),
      };
      if (options.floorFactor !== undefined && options.floorFactor < 1) throw new UsageError('--floor-factor must be a number ≥ 1');
      if (values.has('--floor-factor') && !floorPath) throw new UsageError('--floor-factor needs --noise-floor REF2');
      const outputs: [string, string][] = [];
      for (const [flag, out] of [
        ['--json', json],
        ['--html', html],
        ['--heatmaps', heatDir],
        ['--write-map', writeMap],
      ] as const)
        if (out && out !== '-') outputs.push([flag, out]);
      if (outputs.length) {
        guard = new OutputGuard(await inputsOf([refPath, candPath, floorPath], [mapFile, baseFile]));
        for (const [flag, out] of outputs) guard.check(flag, out);
      }
    } catch (e) {
      process.stderr.write(`error: ${visible((e as Error).message)}\n`);
      if (e instanceof UsageError) process.stderr.write('run `mflux-port compare --help` for usage\n');
      return 2;
    }
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    const tty = process.stderr.isTTY && !quiet;
    try {
      const out = await compareInWorker(options, {
        signal: abort.signal,
        onProgress: (p) => {
          if (!tty) return;
          const el = p.elementsTotal ? ` ${Math.round(((p.elementsDone ?? 0) / p.elementsTotal) * 100)}%` : '';
          process.stderr.write(`\r\x1b[K[${p.done}/${p.total}] ${visible(p.current ?? '')}${el}`);
        },
      });
      if (tty) process.stderr.write('\r\x1b[K');
      const delta = baseline ? diffRuns(baseline, summarize(out.report)) : undefined;
      const r = delta ? { ...out.report, baseline: delta } : out.report;
      if (json === '-') process.stdout.write(reportToJson(r) + '\n');
      else if (json) writeAtomic(json, reportToJson(r) + '\n');
      if (heatDir) writeHeatmaps(out, heatDir, scale, (f) => guard?.check('--heatmaps', f));
      if (html) writeAtomic(html, renderHtmlReport(out));
      if (!quiet) process.stdout.write(table(r) + (delta ? describeDelta(delta).map(visible).join('\n') + '\n' : ''));
      if (writeMap) {
        const learned = learnMap(r, options.map);
        if (overwriteMap) writeAtomic(writeMap, mapToJson(learned.map));
        else writeFileSync(writeMap, mapToJson(learned.map), { flag: 'wx' }); // never over a file that appeared meanwhile
        const missed = learned.missed.length
          ? `; ${learned.missed.length} pair(s) could not be written as rules: ${learned.missed.slice(0, 3).join(', ')}`
          : '';
        process.stderr.write(
          visible(
            `wrote ${writeMap}: ${learned.added} rename rule${learned.added === 1 ? '' : 's'} for ${learned.covered} pair${learned.covered === 1 ? '' : 's'}${missed}`,
          ) + '\n',
        );
      }
      if (r.pairs.length === 0) {
        process.stderr.write(
          visible(
            `error: no tensor names in common between ${options.refPath} and ${options.candPath}` +
              ` (${r.unmatched_ref.length} vs ${r.unmatched_cand.length} tensors); add rename rules with --map`,
          ) + '\n',
        );
        return 2;
      }
      return r.verdicts.diverged > 0 ? 1 : 0;
    } catch (e) {
      if (tty) process.stderr.write('\r\x1b[K');
      const err = e as Error;
      if (err.name === 'AbortError') {
        process.stderr.write('error: cancelled\n');
        return 130;
      }
      process.stderr.write(`error: ${visible(err.message.split('\n')[0])}\n`);
      return 2;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  },
};
