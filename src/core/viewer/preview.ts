// Heatmap previews of tensors for the tensor viewer: any tensor of rank >= 2 viewed as
// rows x cols (cols = last dim, rows = the product of the others), pooled to at most
// `maxSide` cells a side, each cell keeping the signed value of largest magnitude so a single
// outlier stays visible. Streams chunks: memory is the output grid only.
import type { TensorSource } from '../tensors/types';

const PREVIEW_MAX_SIDE = 256;

export interface Preview {
  readonly width: number;
  readonly height: number;
  readonly values: Float32Array;
  readonly poolX: number;
  readonly poolY: number;
  readonly rows: number;
  readonly cols: number;
}

function previewGeometry(
  shape: readonly number[],
  maxSide = PREVIEW_MAX_SIDE,
): { rows: number; cols: number; poolX: number; poolY: number; width: number; height: number } {
  if (shape.length < 2) throw new Error(`a preview needs at least 2 dimensions, the tensor has ${shape.length}`);
  const cols = shape[shape.length - 1];
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const poolX = Math.max(1, Math.ceil(cols / maxSide));
  const poolY = Math.max(1, Math.ceil(rows / maxSide));
  return { rows, cols, poolX, poolY, width: Math.ceil(cols / poolX), height: Math.ceil(rows / poolY) };
}

/** Accumulates chunks in row-major order into the pooled grid. */
class PreviewAccumulator {
  readonly values: Float32Array;
  private readonly mag: Float32Array;
  private pos = 0;

  constructor(private readonly g: ReturnType<typeof previewGeometry>) {
    this.values = new Float32Array(g.width * g.height);
    this.mag = new Float32Array(g.width * g.height).fill(-1);
  }

  add(chunk: ArrayLike<number>): void {
    const { cols, poolX, poolY, width } = this.g;
    let row = Math.floor(this.pos / cols);
    let col = this.pos - row * cols;
    const vals = this.values;
    const mag = this.mag;
    for (let i = 0; i < chunk.length; i++) {
      const v = chunk[i];
      const cell = Math.floor(row / poolY) * width + Math.floor(col / poolX);
      // NaN wins the cell so it is never hidden by a large finite value.
      const m = v !== v ? Infinity : Math.abs(v);
      if (m > mag[cell]) {
        mag[cell] = m;
        vals[cell] = v;
      }
      if (++col === cols) {
        col = 0;
        row++;
      }
    }
    this.pos += chunk.length;
  }
}

export async function tensorPreview(src: TensorSource, name: string, maxSide = PREVIEW_MAX_SIDE, signal?: AbortSignal): Promise<Preview> {
  const info = src.get(name);
  if (!info) throw new Error(`${name}: no such tensor in ${src.path}`);
  const g = previewGeometry(info.shape, maxSide);
  const acc = new PreviewAccumulator(g);
  for await (const c of src.chunks(name, { signal })) acc.add(c);
  return { ...g, values: acc.values };
}
