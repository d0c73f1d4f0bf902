// Zip-based tensor files: torch.save archives (a `data.pkl` plus raw storages) and .npz.
import { basename } from 'node:path';
import type { DType, TensorInfo } from './types';
import { dtypeBytes, isDecodable, numelOf } from './dtypes';
import { BadLayout, BadZip, HeaderTooLarge, UnsupportedFormat, humanBytes, quote } from './errors';
import type { FileRef } from './file';
import { isCContiguous, spanElements, type Placement } from './layout';
import { npyInfo, npyPlacement, readNpyHeader } from './npy';
import { flattenTensors, loadPickle } from './pickle';
import type { Entry, OpenOptions } from './source';
import {
  DEFAULT_MAX_INFLATED,
  InflateCache,
  deflatedPrefixReader,
  inflateMember,
  memberDataOffset,
  memberSource,
  readStoredMember,
  readZipDirectory,
  type ZipMember,
} from './zip';

/** Cap on data.pkl; a 3,000-tensor checkpoint's pickle is a few hundred KB. */
const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

export async function readZipTensors(ref: FileRef, options: OpenOptions): Promise<Entry[]> {
  const members = await readZipDirectory(ref);
  const pkl = members.filter((m) => /^[^/]+\/data\.pkl$/.test(m.name) || m.name === 'data.pkl');
  if (pkl.length > 1) throw new BadZip(ref.path, `archive has ${pkl.length} data.pkl records; expected one`);
  if (pkl.length === 1) return readTorch(ref, members, pkl[0], options);
  if (members.some((m) => m.name.endsWith('.npy'))) return readNpz(ref, members, options);
  if (members.some((m) => m.name.endsWith('.pkl'))) {
    throw new UnsupportedFormat(
      ref.path,
      'zip archive with pickles but no data.pkl (a TorchScript or other archive), not a torch.save file',
    );
  }
  throw new UnsupportedFormat(ref.path, 'zip archive without .npy members or data.pkl; not an .npz or torch.save file');
}

async function readNpz(ref: FileRef, members: ZipMember[], options: OpenOptions): Promise<Entry[]> {
  const cache = new InflateCache(options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED);
  const entries: Entry[] = [];
  for (const m of members) {
    if (!m.name.endsWith('.npy')) continue; // np.load lists other members as raw bytes; they hold no tensor
    const name = m.name.slice(0, -4);
    const what = `member ${quote(m.name)}`;
    const start = await memberDataOffset(ref, m);
    const read = m.method === 0 ? (p: number, n: number) => ref.read(start + p, n, what) : deflatedPrefixReader(ref, m, start);
    const h = await readNpyHeader(ref.path, m.size, read, { what, v1Dtype: options.npyV1Dtype });
    const placement = npyPlacement(h, memberSource(ref, m, cache));
    entries.push({ info: npyInfo(name, ref.path, h), placement: async () => placement });
  }
  return entries;
}

async function readTorch(ref: FileRef, members: ZipMember[], pkl: ZipMember, options: OpenOptions): Promise<Entry[]> {
  const file = ref.path;
  const prefix = pkl.name.slice(0, -'data.pkl'.length);
  const byName = new Map(members.map((m) => [m.name, m]));
  if (byName.has(`${prefix}constants.pkl`) || members.some((m) => m.name.startsWith(`${prefix}code/`))) {
    throw new UnsupportedFormat(file, 'TorchScript archive (torch.jit.save); load it in Python and save its state_dict() with torch.save');
  }
  const maxPickle = Math.min(options.maxHeaderBytes ?? MAX_PICKLE_BYTES, MAX_PICKLE_BYTES);
  if (pkl.size > maxPickle)
    throw new HeaderTooLarge(file, `data.pkl is ${humanBytes(pkl.size)}, more than the ${humanBytes(maxPickle)} limit`);
  const cache = new InflateCache(options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED);
  let pickleBytes: Uint8Array;
  if (pkl.method === 8) pickleBytes = await inflateMember(ref, pkl, maxPickle);
  else pickleBytes = await readStoredMember(ref, pkl, 'data.pkl');
  let littleEndian = true;
  const bo = byName.get(`${prefix}byteorder`);
  if (bo) {
    if (bo.size > 16) throw new BadZip(file, 'byteorder record is too long');
    const text = new TextDecoder().decode(
      bo.method === 8 ? await inflateMember(ref, bo, 16) : await readStoredMember(ref, bo, 'byteorder'),
    );
    if (text !== 'little' && text !== 'big') throw new BadZip(file, `byteorder record says ${quote(text)}`);
    littleEndian = text === 'little';
  }
  const { root } = loadPickle(file, pickleBytes, { maxOps: options.maxPickleOps });
  const found = flattenTensors(file, root);
  const stem = basename(file).replace(/\.[^.]*$/, '');
  const taken = new Set<string>();
  const entries: Entry[] = [];
  for (const { name: rawName, tensor } of found) {
    let name = rawName || stem;
    for (let k = 2; taken.has(name); k++) name = `${rawName || stem}#${k}`;
    taken.add(name);
    const dtype: DType = tensor.dtype;
    const es = dtypeBytes(dtype);
    const storageMember = byName.get(`${prefix}data/${tensor.storage.key}`);
    if (!storageMember)
      throw new BadZip(file, `tensor ${quote(name)} refers to storage ${quote(tensor.storage.key)}, which the archive does not have`);
    // untyped storages count bytes; typed ones count elements of their own dtype
    const storageBytes =
      tensor.storage.dtype === 'untyped' ? tensor.storage.numel : tensor.storage.numel * dtypeBytes(tensor.storage.dtype);
    if (storageMember.size < storageBytes) {
      throw new BadLayout(
        file,
        `storage ${quote(tensor.storage.key)} should hold ${humanBytes(storageBytes)} but its record has ${humanBytes(storageMember.size)}`,
      );
    }
    const numel = numelOf(tensor.size);
    const span = numel === 0 ? 0 : spanElements(tensor.size, tensor.stride);
    if (!Number.isSafeInteger(numel) || !Number.isSafeInteger(span) || (es > 0 && (tensor.offset + span) * es > storageBytes)) {
      throw new BadLayout(
        file,
        `tensor ${quote(name)} (offset ${tensor.offset}, size [${tensor.size.join(', ')}], stride [${tensor.stride.join(', ')}]) reaches past its storage of ${humanBytes(storageBytes)}`,
      );
    }
    const info: TensorInfo = {
      name,
      dtype,
      shape: tensor.size,
      numel,
      byteLength: numel * (es || 1),
      file,
      decodable: isDecodable(dtype),
    };
    const source = memberSource(ref, storageMember, cache);
    const placement: Placement = {
      source,
      offset: tensor.offset * es,
      dtype,
      littleEndian,
      shape: tensor.size,
      strides: isCContiguous(tensor.size, tensor.stride) ? undefined : tensor.stride,
    };
    entries.push({ info, placement: async () => placement });
  }
  return entries;
}
