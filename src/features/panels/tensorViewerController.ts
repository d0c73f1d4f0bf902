// The host's side of the tensor viewer protocol (no VS Code API; tested in Node): lists the
// tensors from headers only, answers stats and preview requests for listed names only.
import { basename } from 'node:path';
import { stat } from 'node:fs/promises';
import { openTensors, type TensorSource } from '../../core/tensors';
import { tensorStats } from '../../core/tensors/stats';
import { tensorPreview } from '../../core/viewer/preview';
import { answerRequest, type RequestHandlers } from '../../protocol/envelope';
import {
  isTensorViewerWebviewMessage,
  type TensorEntry,
  type TensorViewerHostMessage,
  type TensorViewerRequests,
} from '../../protocol/tensorViewer';

export interface TensorViewerHost {
  post(message: TensorViewerHostMessage): void;
  rejected(raw: unknown): void;
}

const FORMATS: Record<string, string> = {
  '.safetensors': 'safetensors',
  '.npy': 'NumPy .npy',
  '.npz': 'NumPy .npz',
  '.pt': 'torch.save',
  '.pth': 'torch.save',
  '.bin': 'torch.save (pytorch_model.bin)',
  '.json': 'sharded safetensors index',
};

function formatOf(path: string): string {
  const lower = path.toLowerCase();
  const ext = Object.keys(FORMATS).find((e) => lower.endsWith(e));
  return ext ? FORMATS[ext] : 'tensor file';
}

/** Non-finite numbers travel as null (JSON has no NaN). */
function finite(v: number | null): number | null {
  return v === null || !Number.isFinite(v) ? null : v;
}

export class TensorViewerController {
  private source: Promise<TensorSource> | null = null;
  private names = new Set<string>();
  private readonly abort = new AbortController();

  constructor(
    readonly path: string,
    private readonly host: TensorViewerHost,
  ) {}

  private open(): Promise<TensorSource> {
    this.source ??= openTensors(this.path);
    return this.source;
  }

  async handle(raw: unknown): Promise<boolean> {
    if (!isTensorViewerWebviewMessage(raw)) {
      this.host.rejected(raw);
      return false;
    }
    if (raw.kind === 'ready') {
      await this.sendInit();
      return true;
    }
    const { name } = raw.payload;
    if (!this.names.has(name)) {
      this.host.rejected(raw);
      this.host.post({ kind: 'reply', inReplyTo: raw.requestId, ok: false, error: `${name}: not a tensor of ${basename(this.path)}` });
      return false;
    }
    this.host.post(await answerRequest(this.answers, raw));
    return true;
  }

  /** The answer to each request of the viewer, typed by the same map the webview sends by. */
  private readonly answers: RequestHandlers<TensorViewerRequests> = {
    requestStats: async ({ name }) => {
      const s = await tensorStats(await this.open(), name, { signal: this.abort.signal });
      return {
        name,
        min: finite(s.min),
        max: finite(s.max),
        mean: finite(s.mean),
        std: finite(s.std),
        nan: s.nan,
        inf: s.inf,
        first: s.first.map(finite),
      };
    },
    requestPreview: async ({ name }) => {
      const src = await this.open();
      const info = src.get(name)!;
      const p = await tensorPreview(src, name, undefined, this.abort.signal);
      const pooled = p.poolX > 1 || p.poolY > 1;
      const note = `${info.shape.length > 2 ? `${info.shape.slice(0, -1).join('×')} rows × ${p.cols} cols` : `${p.rows}×${p.cols}`}${pooled ? `, pooled to ${p.height}×${p.width} (largest magnitude per block)` : ''}`;
      return { name, width: p.width, height: p.height, values: p.values, note };
    },
  };

  private async sendInit(): Promise<void> {
    let fileSize = 0;
    try {
      fileSize = (await stat(this.path)).size;
    } catch {
      /* reported by open() below */
    }
    try {
      const src = await this.open();
      const tensors: TensorEntry[] = src.list().map((t) => ({
        name: t.name,
        dtype: t.dtype,
        shape: [...t.shape],
        numel: t.numel,
        byteLength: t.byteLength,
        decodable: t.decodable,
      }));
      this.names = new Set(tensors.map((t) => t.name));
      this.host.post({
        kind: 'init',
        payload: { fileName: basename(this.path), format: formatOf(this.path), fileSize, tensors, error: null },
      });
    } catch (e) {
      this.source = null;
      this.host.post({
        kind: 'init',
        payload: { fileName: basename(this.path), format: formatOf(this.path), fileSize, tensors: [], error: (e as Error).message },
      });
    }
  }

  dispose(): void {
    this.abort.abort();
    void this.source?.then(
      (s) => s.close(),
      () => undefined,
    );
  }
}
