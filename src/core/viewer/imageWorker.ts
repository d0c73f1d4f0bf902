// Worker-thread entry (bundled as dist/imageWorker.js): PNG decoding and SSIM for the image
// diff panel run here so the extension host never stalls on a large image.
import { parentPort } from 'node:worker_threads';
import { loadPair } from './imageLoad';
import type { ImageWorkerReply, ImageWorkerRequest } from './imageClient';

const port = parentPort;
if (port) {
  port.on('message', (m: ImageWorkerRequest) => {
    try {
      const pair = loadPair(m.ref, m.cand, m.withPixels);
      const buffers = new Set<ArrayBuffer>();
      for (const img of [pair.ref, pair.cand]) {
        if (!img) continue;
        buffers.add(img.rgba.buffer as ArrayBuffer);
        buffers.add(img.values.buffer as ArrayBuffer);
      }
      port.postMessage({ id: m.id, ok: true, pair } satisfies ImageWorkerReply, [...buffers]);
    } catch (e) {
      port.postMessage({ id: m.id, ok: false, error: (e as Error).message } satisfies ImageWorkerReply);
    }
  });
}
