// Picks the reader for one file by its first bytes.
import { FileRef, type FilePool } from './file';
import { GitLfsPointer, UnsupportedFormat, humanBytes } from './errors';
import { isNpyMagic, readNpy } from './npy';
import { readSafetensors } from './safetensors';
import type { Entry, OpenOptions } from './source';
import { readShardIndex, type IndexLink } from './sharded';
import { readZipTensors } from './zipTensors';

/** `indexChain`: the sharded indexes that led here (to refuse a cycle). */
export async function readFileEntries(
  path: string,
  pool: FilePool,
  options: OpenOptions,
  stem: string,
  indexChain: readonly IndexLink[] = [],
): Promise<Entry[]> {
  const ref = await pool.get(path);
  // one small read serves detection (and a small safetensors header); a larger header is then
  // read at its exact size, not a fixed 64 KB of mostly tensor data. It is a shared buffer
  // (FileRef.peek): everything below uses it before its first await.
  const head = ref.peek(4096);
  if (isNpyMagic(head)) return readNpy(ref, stem, options.npyV1Dtype);
  const lfs = lfsPointerSize(head, ref.size);
  if (lfs !== undefined) throw new GitLfsPointer(ref.path, lfs);
  if (head[0] === 0x50 && head[1] === 0x4b) return readZip(ref, options);
  if (looksLikeSafetensors(head, ref.size)) return readSafetensors(ref, options.maxHeaderBytes, head);
  if (head[0] === 0x7b || (head[0] === 0xef && head[1] === 0xbb)) return readShardIndex(ref, pool, options, indexChain);
  // Unrecognised content: let the extension pick the reader, so a broken file gets that
  // format's precise error (truncated header, bad magic) instead of "unknown format".
  const lower = path.toLowerCase();
  const legacy = head[0] === 0x80 || (head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar');
  if (lower.endsWith('.safetensors')) return readSafetensors(ref, options.maxHeaderBytes);
  if (lower.endsWith('.npy')) return readNpy(ref, stem, options.npyV1Dtype);
  if (/\.(npz|pt|pth|bin|ckpt)$/.test(lower) && !legacy && ref.size > 0) return readZip(ref, options);
  throw unsupported(ref, head);
}

const LFS = /^version https:\/\/(git-lfs|hawser)\.github\.com\/spec\/v1\r?\n/;

/** A Git LFS pointer (a small text file: version, oid, size): the size it stands for, or null; undefined when not one. */
function lfsPointerSize(head: Uint8Array, fileSize: number): number | null | undefined {
  if (fileSize > 1024 || head[0] !== 0x76) return undefined;
  const text = new TextDecoder('latin1').decode(head);
  if (!LFS.test(text)) return undefined;
  const size = /^size (\d{1,16})\r?$/m.exec(text);
  return size ? Number(size[1]) : null;
}

function readZip(ref: FileRef, options: OpenOptions): Promise<Entry[]> {
  return readZipTensors(ref, options);
}

function looksLikeSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length < 9) return false;
  const dv = new DataView(head.buffer, head.byteOffset, head.length);
  const n = dv.getUint32(4, true) * 2 ** 32 + dv.getUint32(0, true);
  return n + 8 <= size && head[8] === 0x7b;
}

function unsupported(ref: FileRef, head: Uint8Array): UnsupportedFormat {
  if (ref.size === 0) return new UnsupportedFormat(ref.path, 'the file is empty');
  if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) {
    return new UnsupportedFormat(
      ref.path,
      'legacy (non-zip) torch.save file, written by torch < 1.6 or with _use_new_zipfile_serialization=False; re-save it with a current torch.save',
    );
  }
  if (head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') {
    return new UnsupportedFormat(ref.path, 'tar archive (very old torch.save format); extract it or re-save with a current torch.save');
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return new UnsupportedFormat(ref.path, 'gzip-compressed file; decompress it first');
  if (ref.size < 8) return new UnsupportedFormat(ref.path, `only ${humanBytes(ref.size)}; not a tensor file`);
  return new UnsupportedFormat(
    ref.path,
    'not a tensor file (expected safetensors, .npy, .npz, a torch.save zip or a *.safetensors.index.json)',
  );
}
