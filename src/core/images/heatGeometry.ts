// Where a tensor's elements land on its heatmap: the 2-D view picked for each kind of shape
// (rows × cols, channels), used by the heatmap accumulator (heatmap.ts).

/**
 * How a tensor's row-major elements land on the map: the tensor is viewed with `view`
 * dims; element at view index v sits at row Σ v[k]·rowMul[k], col Σ v[k]·colMul[k], and
 * channel Σ v[k]·chanMul[k]. Dims with all multipliers zero are reduced.
 */
export interface HeatGeometry {
  readonly view: readonly number[];
  readonly rowMul: readonly number[];
  readonly colMul: readonly number[];
  readonly chanMul: readonly number[];
  readonly rows: number;
  readonly cols: number;
  readonly channels: number;
  readonly rowAxis: string;
  readonly colAxis: string;
  /** Spatial maps keep their aspect ratio when pooled. */
  readonly spatial: boolean;
}

function geom(
  view: number[],
  row: number[],
  col: number[],
  chan: number[],
  rows: number,
  cols: number,
  channels: number,
  rowAxis: string,
  colAxis: string,
  spatial: boolean,
): HeatGeometry {
  return { view, rowMul: row, colMul: col, chanMul: chan, rows, cols, channels, rowAxis, colAxis, spatial };
}

function isSquare(n: number): number {
  const r = Math.round(Math.sqrt(n));
  return r * r === n ? r : 0;
}

export interface GeometryHints {
  /** The tensor is Flux-packed latents `[B,(H/2)(W/2),4C]` of this grid. */
  readonly packedGrid?: { readonly height: number; readonly width: number; readonly channels: number };
  /** Tensor name, used to recognise latents and conv weights. */
  readonly name?: string;
  /** Names for the two map axes of a 3-D tensor (default 'seq' / 'dim'). */
  readonly axes3d?: readonly [string, string];
}

/** Picks the map for a tensor of this shape (reference layout). */
export function heatGeometry(shape: readonly number[], hints: GeometryHints = {}): HeatGeometry {
  const name = hints.name ?? '';
  const s = shape.length ? [...shape] : [1];
  if (s.length === 1) return geom(s, [0], [1], [0], 1, s[0], 1, '', 'index', false);
  if (s.length === 2) return geom(s, [1, 0], [0, 1], [0, 0], s[0], s[1], 1, 'row', 'col', false);
  if (s.length === 3) {
    const [b, l, d] = s;
    let grid = hints.packedGrid;
    if (!grid && /latent/i.test(name) && d % 4 === 0 && isSquare(l)) {
      const side = isSquare(l) * 2;
      grid = { height: side, width: side, channels: d / 4 };
    }
    if (grid && grid.height * grid.width === 4 * l && grid.channels * 4 === d) {
      const h = grid.height / 2;
      const w = grid.width / 2;
      // view [B, h, w, C, 2, 2]: row = 2·h_i + i, col = 2·w_i + j
      return geom(
        [b, h, w, grid.channels, 2, 2],
        [0, 2, 0, 0, 1, 0],
        [0, 0, 2, 0, 0, 1],
        [0, 0, 0, 1, 0, 0],
        grid.height,
        grid.width,
        grid.channels,
        'H',
        'W',
        true,
      );
    }
    const [ra, ca] = hints.axes3d ?? ['seq', 'dim'];
    return geom(s, [0, 1, 0], [0, 0, 1], [0, 0, 0], l, d, 1, ra, ca, false);
  }
  if (s.length === 4 && s[2] <= 7 && s[3] <= 7 && /(^|[._/])(weight|kernel)s?$/i.test(name)) {
    // A conv kernel [O, I, kH, kW]: out × in channels is what a user can read.
    return geom(s, [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], s[0], s[1], 1, 'out', 'in', false);
  }
  const n = s.length;
  const row = new Array<number>(n).fill(0);
  const col = new Array<number>(n).fill(0);
  const chan = new Array<number>(n).fill(0);
  row[n - 2] = 1;
  col[n - 1] = 1;
  chan[1] = 1;
  return geom(s, row, col, chan, s[n - 2], s[n - 1], s[1], 'H', 'W', true);
}
