// Child process for the two-writer test: ticks `count` items named `<prefix>.<i>` one update
// at a time through the real update path, as a second VS Code window (or the CLI) would.
// With `hold`, it takes the lock, leaves a half-written temp file and waits to be killed.
import { open } from 'node:fs/promises';
import { setItemStatus, stateFile, updatePort } from '../../../../src/core/checklist/state';
import { withFileLock } from '../../../../src/core/checklist/fileLock';
import { tempPathFor } from '../../../../src/core/checklist/atomicWrite';

async function main(): Promise<void> {
  const [repo, model, mode, prefix, count] = process.argv.slice(2);
  if (mode === 'hold') {
    const file = stateFile(repo, model);
    await withFileLock(file, async () => {
      const fh = await open(tempPathFor(file), 'wx');
      await fh.writeFile('{"schema": 1, "mod');
      process.stdout.write('holding\n');
      await new Promise(() => undefined);
    });
    return;
  }
  for (let i = 0; i < Number(count); i++) await updatePort(repo, model, (s) => setItemStatus(s, `${prefix}.${i}`, 'done'));
  process.stdout.write('finished\n');
}

if (process.argv[1] && /tickWriter/.test(process.argv[1])) void main();
