// The extension host's side of the image worker: one lazily started worker, requests queued
// in order, each answered by id.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadPair, type LoadedPair } from './imageLoad';

export interface ImageWorkerRequest {
  readonly id: number;
  readonly ref: string;
  readonly cand: string;
  readonly withPixels: boolean;
}

export type ImageWorkerReply =
  | { readonly id: number; readonly ok: true; readonly pair: LoadedPair }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** dist/imageWorker.js next to the bundle; null when running unbundled (tests load inline). */
function defaultImageWorkerFile(): string | null {
  const bundled = join(__dirname, 'imageWorker.js');
  return existsSync(bundled) ? bundled : null;
}

export class ImageLoader {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (p: LoadedPair) => void; reject: (e: Error) => void }>();

  constructor(private readonly workerFile: string | null = defaultImageWorkerFile()) {}

  load(ref: string, cand: string, withPixels = true): Promise<LoadedPair> {
    if (!this.workerFile) return Promise.resolve().then(() => loadPair(ref, cand, withPixels));
    const w = this.ensure();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, ref, cand, withPixels } satisfies ImageWorkerRequest);
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerFile!);
    w.on('message', (m: ImageWorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.pair);
      else p.reject(new Error(m.error));
    });
    const fail = (e: Error) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      this.worker = null;
    };
    w.on('error', fail);
    w.on('exit', (code) => {
      if (code !== 0) fail(new Error(`image worker exited (code ${code})`));
      this.worker = null;
    });
    this.worker = w;
    return w;
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = null;
  }
}
