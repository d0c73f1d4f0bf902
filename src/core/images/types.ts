// Types shared by heatmaps, colormaps and the image diff. Consumed by the compare engine,
// the CLI and the webviews (through the protocol). Additive changes only.

/** A 2-D map of non-negative (or signed, for diverging maps) values, row-major. */
export interface Heatmap {
  readonly width: number;
  readonly height: number;
  /** width × height values, row-major; NaN marks cells where a side was NaN/Inf. */
  readonly data: Float32Array;
  /** Size of the grid before downsampling. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** Max-pool window (source cells per map cell) along each axis; 1 = full resolution. */
  readonly poolX: number;
  readonly poolY: number;
  /** What the axes are, e.g. 'H' / 'W', 'seq' / 'dim', 'element'. */
  readonly rowAxis: string;
  readonly colAxis: string;
  /** How the remaining dims were reduced: 'max', 'mean', or 'none' (a single channel / 2-D tensor). */
  readonly reduction: 'max' | 'mean' | 'none';
  /** Smallest and largest finite value in `data` (0/0 when there is none). */
  readonly min: number;
  readonly max: number;
}

export type ColormapName = 'viridis' | 'magma' | 'diverging';
export type ColorScale = 'linear' | 'log';

/** Maps t in [0, 1] to 8-bit RGBA. */
export type Colormap = (t: number) => readonly [number, number, number, number];

export interface LegendTick {
  readonly value: number;
  /** 0 = low end of the color bar, 1 = high end. */
  readonly position: number;
  readonly label: string;
}

/** What a color means: part of every rendered heatmap. */
export interface Legend {
  readonly colormap: ColormapName;
  readonly scale: ColorScale;
  /** The values at the two ends of the color bar. */
  readonly low: number;
  readonly high: number;
  readonly ticks: readonly LegendTick[];
  /** Color used for NaN cells. */
  readonly nanColor: readonly [number, number, number, number];
}

export interface RenderOptions {
  readonly colormap?: ColormapName;
  readonly scale?: ColorScale;
  /** Fix the ends of the color bar (e.g. to share one scale across small multiples). */
  readonly low?: number;
  readonly high?: number;
  /** Integer upscaling of each cell (nearest neighbour), for tiny maps. */
  readonly zoom?: number;
}

export interface RenderedHeatmap {
  readonly width: number;
  readonly height: number;
  /** RGBA, width × height × 4. */
  readonly rgba: Uint8Array;
  readonly legend: Legend;
}

/** A decoded image with the channels it had in the file (what PIL's np.array would give). */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** Channels as loaded: 1 (L or P indices), 2 (LA), 3 (RGB), 4 (RGBA). */
  readonly channels: 1 | 2 | 3 | 4;
  /** width × height × channels, interleaved, row-major. */
  readonly data: Uint8Array;
  /** The same pixels expanded to RGBA (palette and grey resolved), for display and RGB metrics. */
  readonly rgba: Uint8Array;
  /** PNG color type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA). */
  readonly colorType: number;
}

/**
 * An image file loaded for the image diff panel: the decoded pixels (as in DecodedImage, `data`
 * named `values` there), where they came from and what is unusual about them. Made by
 * core/viewer/imageLoad.ts, carried as is by the panel protocol (src/protocol/imageDiff.ts).
 */
export interface LoadedImage extends Omit<DecodedImage, 'data'> {
  readonly path: string;
  /** width*height*channels bytes, interleaved: the operands of the golden rule. */
  readonly values: Uint8Array;
  /** One-line descriptions of anything unusual (16-bit, palette, alpha...). */
  readonly notes: readonly string[];
}

/** What the image diff shows per pair (the whole-image metrics of ImageDiffResult). */
export interface PairMetrics {
  /** null when the images are identical (infinite PSNR). */
  readonly psnr: number | null;
  readonly ssim: number | null;
  readonly maxAbs: number;
  readonly meanAbs: number;
}

/** The `image-diff --json` object. */
export interface ImageDiffResult {
  readonly width: number;
  readonly height: number;
  /** Over R, G, B with data range 255; null when the images are identical. */
  readonly psnr: number | null;
  /**
   * Mean SSIM over R, G, B, as `ssim_method` defines it (ssim.ts): 'gaussian' (11×11 window,
   * σ 1.5, population covariance, K1 0.01, K2 0.03, range 255; the default) or 'uniform'
   * (scikit-image's default call: 7×7, sample covariance); null when a side is smaller than
   * the window or SSIM was skipped.
   */
  readonly ssim: number | null;
  readonly ssim_method: 'gaussian' | 'uniform';
  /** Over R, G, B. */
  readonly max_abs: number;
  readonly mean_abs: number;
  /** mflux's golden rule: share of channel elements (as loaded) failing np.isclose(cand, ref, rtol, atol). */
  readonly mflux_mismatch_ratio: number;
  readonly mflux_pass: boolean;
  readonly rtol: number;
  readonly atol: number;
  readonly threshold: number;
  readonly channels: number;
}

/** One point of the golden-rule curve: mismatch ratio at a given rtol. */
export interface RtolCurvePoint {
  readonly rtol: number;
  readonly ratio: number;
  readonly pass: boolean;
}
