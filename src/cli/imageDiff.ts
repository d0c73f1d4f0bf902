// `mflux-port image-diff REF CAND`: pixel metrics and mflux's golden-image rule.
import { resolve } from 'node:path';
import { imageDiffAndMap } from '../core/images/imageDiff';
import { SSIM_METHODS, type SsimMethod } from '../core/images/ssim';
import { encodeIndexedPng } from '../core/images/png';
import { readPngPair } from '../core/images/pngPair';
import { renderBytesIndexed } from '../core/images/render';
import { writeAtomic } from '../core/compare/outputs';
import { OutputGuard } from '../core/compare/outputGuard';
import { UsageError, parseArgs } from './args';
import type { SubCommand } from './main';

const usage = `Usage: mflux-port image-diff REF CAND [options]

Compares two PNG images of the same size. REF is the reference (golden) image.

  --rtol R          golden-rule relative tolerance (default 0.1, as mflux)
  --atol A          golden-rule absolute tolerance (default 0, as mflux)
  --threshold T     golden-rule mismatch threshold (default 0.15, as mflux)
  --json            print {"width", "height", "psnr", "ssim", "max_abs", "mean_abs",
                    "mflux_mismatch_ratio", "mflux_pass", ...} instead of text
  --heatmap OUT.png write max |diff| over R, G, B per pixel as a heatmap
  --no-ssim         skip SSIM (the slowest metric; "ssim" is then null)
  --ssim METHOD     gaussian (default) or uniform, see below

The mflux fields replay mflux's golden test: np.isclose(cand, ref, rtol, atol) on the
images as loaded (all channels), ratio = mismatched elements / all elements, pass when
ratio <= threshold. PSNR (null when identical) and SSIM are over R, G, B with data range
255; SSIM is the mean over the channels of the mean SSIM map, K1 0.01, K2 0.03, border
pixels whose window leaves the image left out:
  gaussian  Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, population covariance =
            skimage structural_similarity(ref, cand, channel_axis=-1, data_range=255,
            gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
  uniform   scikit-image's default call: 7x7 uniform window, sample covariance =
            skimage structural_similarity(ref, cand, channel_axis=-1, data_range=255)
Exit codes: 0 golden rule passes, 1 it fails, 2 bad input.
`;

function num(values: Map<string, string[]>, key: string, dflt: number): number {
  const v = values.get(key)?.at(-1);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || v.trim() === '') throw new UsageError(`${key} must be a non-negative number, got "${v}"`);
  return n;
}

function ssimMethod(values: Map<string, string[]>): SsimMethod {
  const v = values.get('--ssim')?.at(-1) ?? 'gaussian';
  if (!(SSIM_METHODS as readonly string[]).includes(v)) throw new UsageError(`--ssim must be ${SSIM_METHODS.join(' or ')}, got "${v}"`);
  return v as SsimMethod;
}

export const imageDiffCommand: SubCommand = {
  name: 'image-diff',
  summary: "PSNR, SSIM and mflux's golden-image rule for two PNGs",
  usage,
  run: async (args) => {
    try {
      const { positionals, flags, values } = parseArgs(
        args,
        ['--json', '--no-ssim'],
        ['--rtol', '--atol', '--threshold', '--heatmap', '--ssim'],
      );
      if (positionals.length !== 2) throw new UsageError('image-diff needs REF and CAND');
      const [refPath, candPath] = positionals.map((p) => resolve(p));
      const options = {
        rtol: num(values, '--rtol', 0.1),
        atol: num(values, '--atol', 0),
        threshold: num(values, '--threshold', 0.15),
        skipSsim: flags.has('--no-ssim'),
        ssim: ssimMethod(values),
      };
      const heat = values.get('--heatmap')?.at(-1);
      if (heat) new OutputGuard([refPath, candPath]).check('--heatmap', heat); // also through symlinks and hard links
      const { ref, cand, kernels } = await readPngPair(refPath, candPath);
      const { result: r, absDiff } = imageDiffAndMap(ref, cand, options, { ref: refPath, cand: candPath }, kernels);
      if (heat) {
        const { map, max } = absDiff();
        const ix = renderBytesIndexed(map, ref.width, ref.height, max, { colormap: 'viridis', low: 0 });
        const png = encodeIndexedPng(ix.width, ix.height, ix.index, ix.palette);
        writeAtomic(heat, png);
      }
      if (flags.has('--json')) process.stdout.write(JSON.stringify(r) + '\n');
      else {
        const f = (v: number | null, d = 4) => (v === null ? '—' : Number(v.toFixed(d)).toString());
        process.stdout.write(
          `${r.width}×${r.height}, ${r.channels} channel${r.channels > 1 ? 's' : ''}\n` +
            `PSNR      ${r.psnr === null ? 'identical' : `${f(r.psnr, 2)} dB`}\n` +
            `SSIM      ${r.ssim !== null ? `${f(r.ssim, 5)} (${r.ssim_method})` : options.skipSsim ? '— (skipped)' : `— (smaller than the ${r.ssim_method === 'uniform' ? '7×7' : '11×11'} window)`}\n` +
            `max |d|   ${r.max_abs}\nmean |d|  ${f(r.mean_abs)}\n` +
            `mflux     ${(r.mflux_mismatch_ratio * 100).toFixed(2)}% of elements outside rtol ${r.rtol}, atol ${r.atol} → ` +
            `${r.mflux_pass ? 'PASS' : 'FAIL'} (threshold ${(r.threshold * 100).toFixed(1)}%)\n`,
        );
      }
      return r.mflux_pass ? 0 : 1;
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      if (e instanceof UsageError) process.stderr.write('run `mflux-port image-diff --help` for usage\n');
      return 2;
    }
  },
};
