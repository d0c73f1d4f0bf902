// A folder of tensor files: a capture dump (one .npy per tensor, maybe a manifest.jsonl),
// a checkpoint folder, or a Hugging Face cache snapshot (symlinks into ../../blobs).
//
// Naming, deterministic:
// - `.npy` files are one tensor named by the file stem (or by the manifest's `name`);
//   containers (safetensors, .npz, torch) keep their own tensor names;
// - files in subfolders (diffusers snapshots: transformer/, vae/) get `<subfolder>/` in front;
// - order: folders are walked depth first, entries by name (code point order); in each
//   folder its manifest.jsonl lines come first (capture order; a partial last line left by
//   a killed run is skipped), then its other files; a `*.index.json` stands in for the
//   shards it lists;
// - a Hugging Face cache repo folder (`models--org--name`) reads its refs/main snapshot;
// - skipped: hidden files and folders, files without a tensor extension, training_args.bin;
// - when a name is already taken, the later tensor becomes `<relative file>:<name>`, and if
//   that is taken too, `<relative file>:<name>#2`, `#3`, …
// - a symlinked folder that contains the folder it is in (`ln -s . loop`, `ln -s .. up`) is a
//   loop: refused with an error naming the link, before anything is walked twice.
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, normalize, relative, sep } from 'node:path';
import type { TensorInfo } from './types';
import type { FilePool } from './file';
import { BadIndex, FileNotReadable, HeaderTooLarge, humanBytes, quote } from './errors';
import { describeFsError } from './file';
import type { Entry, OpenOptions } from './source';
import { parseShardIndex } from './sharded';
import { readFileEntries } from './detect';
import { MANIFEST_NAME, MAX_MANIFEST_BYTES, parseManifest } from '../capture/manifest';

const TENSOR_EXT = /\.(safetensors|npy|npz|pt|pth|bin|ckpt)$/i;
const INDEX = /\.(safetensors|bin)\.index\.json$/i;
/** Files that share a tensor extension but hold no tensors (Trainer's pickled arguments). */
const NOT_TENSORS = new Set(['training_args.bin']);
const MAX_DEPTH = 4;
const MAX_FILES = 100_000;

interface ManifestLine {
  readonly name: string;
  readonly file: string;
}

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  /** `real`: dir's real path, to tell a symlinked folder that contains it (a loop). */
  const walk = async (dir: string, depth: number, real: string): Promise<void> => {
    let items;
    try {
      items = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw new FileNotReadable(dir, describeFsError(e));
    }
    items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const it of items) {
      if (it.name.startsWith('.')) continue;
      const p = join(dir, it.name);
      let isDir = it.isDirectory();
      let isFile = it.isFile();
      if (it.isSymbolicLink()) {
        const st = await stat(p).catch((e) => {
          if (TENSOR_EXT.test(it.name) || INDEX.test(it.name))
            throw new FileNotReadable(p, `broken symlink (${describeFsError(e)}); an incomplete download?`);
          return undefined;
        });
        isDir = !!st?.isDirectory();
        isFile = !!st?.isFile();
      }
      if (isDir && depth < MAX_DEPTH) {
        let target = join(real, it.name);
        if (it.isSymbolicLink()) {
          target = await realpath(p).catch((e) => {
            throw new FileNotReadable(p, describeFsError(e));
          });
          if (real === target || real.startsWith(target.endsWith(sep) ? target : target + sep)) {
            throw new FileNotReadable(
              p,
              `symlink loop: it points to ${quote(target)}, which contains it; remove the link or open a folder without it`,
            );
          }
        }
        await walk(p, depth + 1, target);
      } else if (isFile) {
        out.push(p);
        if (out.length > MAX_FILES)
          throw new FileNotReadable(root, `more than ${MAX_FILES.toLocaleString('en-US')} files; open a smaller folder`);
      }
    }
  };
  await walk(root, 0, await realpath(root).catch(() => root));
  return out;
}

async function readManifest(root: string, pool: FilePool): Promise<ManifestLine[] | undefined> {
  const path = join(root, MANIFEST_NAME);
  const exists = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) return undefined;
  const ref = await pool.get(path);
  if (ref.size > MAX_MANIFEST_BYTES)
    throw new HeaderTooLarge(path, `manifest is ${humanBytes(ref.size)}, more than the ${humanBytes(MAX_MANIFEST_BYTES)} limit`);
  const text = new TextDecoder().decode(await ref.read(0, ref.size, 'the manifest'));
  // skipped/cut records of the probe name no file: only tensor records place tensors
  return parseManifest(text, path).tensors.map((t) => {
    if (t.file === undefined) throw new BadIndex(path, `line ${t.line} needs string fields "name" and "file"`);
    const norm = normalize(t.file);
    if (norm.startsWith('..') || norm.startsWith(sep))
      throw new BadIndex(path, `line ${t.line} points outside the folder (${quote(t.file)})`);
    return { name: t.name, file: join(root, norm) };
  });
}

function stem(file: string): string {
  return basename(file).replace(/\.[^.]*$/, '');
}

const isDir = (p: string): Promise<boolean> =>
  stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );

/**
 * A Hugging Face cache repo folder (`models--org--name` with blobs/, refs/, snapshots/)
 * stands for its snapshot: the one `refs/main` names, or the only one there is.
 */
async function snapshotOf(root: string): Promise<string | undefined> {
  if (!(await isDir(join(root, 'snapshots'))) || !(await isDir(join(root, 'refs')))) return undefined;
  const main = await readFile(join(root, 'refs', 'main'), 'utf8').then(
    (s) => s.trim(),
    () => '',
  );
  if (/^[0-9a-f]{7,64}$/i.test(main) && (await isDir(join(root, 'snapshots', main)))) return join(root, 'snapshots', main);
  const all = (await readdir(join(root, 'snapshots'), { withFileTypes: true })).filter((d) => !d.name.startsWith('.'));
  if (all.length === 1) return join(root, 'snapshots', all[0].name);
  throw new BadIndex(
    root,
    all.length === 0
      ? 'Hugging Face cache folder without snapshots (nothing downloaded yet?)'
      : `Hugging Face cache folder with ${all.length} snapshots and no refs/main; open one of snapshots/*`,
  );
}

export async function readFolder(root: string, pool: FilePool, options: OpenOptions): Promise<Entry[]> {
  const snapshot = await snapshotOf(root);
  if (snapshot) return readFolder(snapshot, pool, options);
  const all = await listFiles(root);
  const indexes = all.filter((p) => INDEX.test(p));
  const sharded = new Set<string>();
  for (const ix of indexes) for (const s of (await parseShardIndex(await pool.get(ix))).shards) sharded.add(s);
  const candidates = all.filter((p) => (INDEX.test(p) || TENSOR_EXT.test(p)) && !sharded.has(p) && !NOT_TENSORS.has(basename(p)));

  const cache = new Map<string, Promise<Entry[]>>();
  const entriesOf = (p: string): Promise<Entry[]> => {
    let e = cache.get(p);
    if (!e) cache.set(p, (e = readFileEntries(p, pool, options, stem(p))));
    return e;
  };
  const out: Entry[] = [];
  const taken = new Set<string>();
  /** `folder` is where the name was given: the file's folder, or the manifest's. */
  const add = (e: Entry, file: string, wanted: string, folder = dirname(file)): void => {
    const relDir = relative(root, folder).split(sep).join('/');
    const base = relDir ? `${relDir}/${wanted}` : wanted;
    let name = base;
    const relFile = relative(root, file).split(sep).join('/');
    if (taken.has(name)) name = `${relFile}:${wanted}`;
    for (let k = 2; taken.has(name); k++) name = `${relFile}:${wanted}#${k}`;
    taken.add(name);
    const info: TensorInfo = name === e.info.name ? e.info : { ...e.info, name };
    out.push({ info, placement: () => e.placement() });
  };

  const used = new Set<Entry>();
  const applied = new Set<string>();
  // a folder's manifest.jsonl orders that folder's tensors (capture order); it is applied
  // when the walk first reaches the folder
  const applyManifest = async (folder: string): Promise<void> => {
    if (applied.has(folder)) return;
    applied.add(folder);
    const manifestPath = join(folder, MANIFEST_NAME);
    for (const line of (await readManifest(folder, pool)) ?? []) {
      let entries: Entry[];
      try {
        entries = await entriesOf(line.file);
      } catch (e) {
        if (e instanceof FileNotReadable)
          throw new BadIndex(
            manifestPath,
            `lists ${quote(relative(folder, line.file))} for ${quote(line.name)}, which cannot be read (${e.reason})`,
          );
        throw e;
      }
      const e = entries.length === 1 ? entries[0] : entries.find((x) => x.info.name === line.name);
      if (!e)
        throw new BadIndex(manifestPath, `lists ${quote(line.name)} in ${quote(relative(folder, line.file))}, which does not contain it`);
      if (used.has(e)) throw new BadIndex(manifestPath, `lists ${quote(line.name)} in ${quote(relative(folder, line.file))} twice`);
      used.add(e);
      add(e, line.file, line.name, folder);
    }
  };
  const wanted = new Set(candidates);
  await applyManifest(root);
  for (const p of all) {
    await applyManifest(dirname(p));
    // files a manifest does not mention (and tensors of containers it left out) follow
    if (wanted.has(p)) for (const e of await entriesOf(p)) if (!used.has(e)) add(e, p, e.info.name);
  }
  return out;
}
