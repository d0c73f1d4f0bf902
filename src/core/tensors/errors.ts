// Typed errors of the tensor readers. Every message is one line a user understands:
// `<file>: <reason>`. Callers (CLI, panels) print `message` as is; tests match the class.

/** Keeps untrusted strings (tensor names, globals) short and on one line inside messages. */
export function quote(value: unknown, max = 80): string {
  let s = '';
  for (const ch of String(value).slice(0, max + 1)) {
    const c = ch.charCodeAt(0);
    s += c < 32 || (c >= 0x7f && c <= 0x9f) ? ' ' : ch; // C0, DEL, C1
  }
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}

/** Human size for messages ("4 GB", "1.2 MB"). */
export function humanBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  if (i === 0) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  return `${v >= 100 ? Math.round(v) : Number(v.toPrecision(3))} ${units[i]}`;
}

export class TensorFileError extends Error {
  /** The file (or folder) the problem is in. */
  readonly file: string;
  /** The reason alone, without the file. */
  readonly reason: string;
  constructor(file: string, reason: string) {
    const oneLine = reason.replace(/\s*[\r\n]+\s*/g, ' ');
    super(`${file}: ${oneLine}`);
    this.file = file;
    this.reason = oneLine;
    this.name = new.target.name;
  }
}

/** Missing file, permission denied, a folder where a file was expected, broken symlink. */
export class FileNotReadable extends TensorFileError {}
/** The file ends before the bytes its header promises. */
export class TruncatedFile extends TensorFileError {}
/** A header (safetensors JSON, .npy dict, zip central directory) larger than the cap or the file. */
export class HeaderTooLarge extends TensorFileError {}
/** A header that is not what the format requires (bad JSON, wrong keys, wrong field types). */
export class BadHeader extends TensorFileError {}
/** Data offsets with gaps, overlaps, trailing bytes, or a view outside its storage. */
export class BadLayout extends TensorFileError {}
/** A dtype the format allows but this reader cannot decode (or an unknown dtype). */
export class UnsupportedDtype extends TensorFileError {}
/** Not a tensor file, or a variant we do not read (legacy torch, TorchScript, tar). */
export class UnsupportedFormat extends TensorFileError {}
/** A Git LFS pointer checked out in place of the tensor file (`git clone` without `git lfs`). */
export class GitLfsPointer extends UnsupportedFormat {
  constructor(file: string, size: number | null) {
    const real = size === null ? '' : ` (the real file is ${humanBytes(size)})`;
    super(file, `a Git LFS pointer, not the tensor data${real}; run \`git lfs pull\``);
    this.message = `${file} is a Git LFS pointer, not the tensor data${real}; run \`git lfs pull\``;
  }
}
/** A pickle that refers to a global outside the allow-list. Nothing was executed. */
export class UnsafePickle extends TensorFileError {}
/** A malformed pickle stream (unknown opcode, stack underflow, wrong argument types). */
export class BadPickle extends TensorFileError {}
/** A pickle beyond the caps on size, opcode count, memo size or nesting. */
export class PickleTooComplex extends TensorFileError {}
/** A malformed zip archive (no end record, bad local header, unsupported method). */
export class BadZip extends TensorFileError {}
/** A zip member that would inflate beyond the cap or beyond its declared size. */
export class ZipBomb extends TensorFileError {}
/** A sharded index (`*.index.json`) or a capture manifest that does not match the files. */
export class BadIndex extends TensorFileError {}
/** A tensor name that is not in the source. */
export class TensorNotFound extends TensorFileError {}
/** `read()` of a tensor above `maxElements`; stream it with `chunks()` instead. */
export class TensorTooLarge extends TensorFileError {}
