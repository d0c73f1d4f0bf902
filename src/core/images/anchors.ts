// The colormaps' anchor colours and their interpolation into 256 levels: the one definition
// behind core's heatmaps (colormap.ts) and the webviews' lookup tables
// (webview/shared/colormap.ts). Imports nothing, so the browser bundles can take it.

export type AnchoredColormap = 'viridis' | 'magma' | 'gray' | 'diverging';

const COLORMAP_ANCHORS: Readonly<Record<AnchoredColormap, readonly string[]>> = {
  // Perceptually uniform, readable in greyscale and by colour-blind readers.
  viridis: ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'],
  magma: ['#000004', '#180f3d', '#440f76', '#721f81', '#9e2f7f', '#cd4071', '#f1605d', '#fd9668', '#feca8d', '#fcfdbf'],
  gray: ['#000000', '#ffffff'],
  // Blue (negative) through near-white (zero) to red (positive).
  diverging: ['#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b'],
};

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

/**
 * 256 levels of a map, linearly interpolated between its anchors: `stride` bytes a level,
 * RGB (3) or RGBA (4, alpha 255).
 */
export function anchorTable(name: AnchoredColormap, stride: 3 | 4): Uint8Array {
  const stops = COLORMAP_ANCHORS[name].map(hex);
  const t = new Uint8Array(256 * stride);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(x));
    const f = x - k;
    for (let c = 0; c < 3; c++) t[i * stride + c] = Math.round(stops[k][c] * (1 - f) + stops[k + 1][c] * f);
    if (stride === 4) t[i * stride + 3] = 255;
  }
  return t;
}
