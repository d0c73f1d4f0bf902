// Checklist: reading tracked paths from .git/index (what the debug-artifacts rule does, so it
// runs in restricted mode) side by side with `git ls-files`, the tool a user would run; plus
// the cost of a whole auto-check pass and of one atomic state update, printed as-is.
// Data is generated once into bench/data/checklist (a git repo with 20,000 files).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { trackedPaths } from '../src/core/checklist/gitIndex';
import { runAutoChecks } from '../src/core/checklist/rules';
import { createPort, setItemNote, stateFile, updatePort } from '../src/core/checklist/state';
import { ALL_ITEMS } from '../src/core/checklist/workflow';
import { halfWired, makeWorkspace } from '../test/fixtures/workspace';

const ROOT = resolve(__dirname, '..');
const DATA = join(ROOT, 'bench', 'data', 'checklist');
const BIG = join(DATA, 'big-repo');
const FILES = 20_000;

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

async function best<T>(n: number, f: () => Promise<T> | T): Promise<{ seconds: number; result: T }> {
  let seconds = Infinity;
  let result!: T;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    result = await f();
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds, result };
}

const ms = (s: number) => `${(s * 1000).toFixed(2)} ms`;

function makeBigRepo(): void {
  if (existsSync(join(BIG, '.git', 'done'))) return;
  rmSync(BIG, { recursive: true, force: true });
  console.log(`generating a git repo with ${FILES} files (once) into ${BIG} …`);
  mkdirSync(BIG, { recursive: true });
  git(BIG, 'init', '-q');
  for (let i = 0; i < FILES; i++) {
    const dir = join(BIG, 'src', `pkg${i % 200}`, `mod${i % 7}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `file_${i}.py`), `x = ${i}\n`);
  }
  for (let i = 0; i < 5; i++) {
    mkdirSync(join(BIG, 'debug_artifacts', `run${i}`), { recursive: true });
    writeFileSync(join(BIG, 'debug_artifacts', `run${i}`, 'latents.npy'), 'x');
  }
  git(BIG, 'add', '-A');
  writeFileSync(join(BIG, '.git', 'done'), '');
}

async function main(): Promise<void> {
  makeBigRepo();
  const ours = await best(20, () => trackedPaths(BIG, 'debug_artifacts/'));
  const theirs = await best(20, () => git(BIG, 'ls-files', '-z', '--', 'debug_artifacts').split('\0').filter(Boolean));
  if (ours.result?.length !== theirs.result.length) throw new Error(`disagreement: ${ours.result?.length} vs ${theirs.result.length}`);
  const ratio = theirs.seconds / ours.seconds;
  console.log(
    `${`tracked debug_artifacts/ in a ${FILES}-file index`.padEnd(48)} ours ${ms(ours.seconds).padStart(10)}   git ls-files ${ms(theirs.seconds).padStart(10)}   ${ratio >= 1 ? `${ratio.toFixed(2)}x faster` : `${(1 / ratio).toFixed(2)}x slower`} than git ls-files`,
  );

  const ws = makeWorkspace(join(DATA, `ws-${process.pid}`), { models: ['flux2', halfWired('z_image')] });
  try {
    const checks = await best(20, () => runAutoChecks({ mfluxRepo: ws.mflux, model: 'z_image' }));
    console.log(
      `${'all auto-checks of one port (fixture repo)'.padEnd(48)} ${ms(checks.seconds).padStart(10)}  (${checks.result.size} items, best of 20)`,
    );
    await createPort({ model: 'z_image', mfluxRepo: ws.mflux, reference: '', notes: '' });
    let n = 0;
    const upd = await best(50, () =>
      updatePort(ws.mflux, 'z_image', (s) => setItemNote(s, ALL_ITEMS[n++ % ALL_ITEMS.length].id, `note ${n}`)),
    );
    console.log(
      `${'one checkbox click: read, change, fsync, rename'.padEnd(48)} ${ms(upd.seconds).padStart(10)}  (best of 50, ${stateFile(ws.mflux, 'z_image')})`,
    );
  } finally {
    rmSync(join(DATA, `ws-${process.pid}`), { recursive: true, force: true });
  }
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
