// Child process for the crash test: rewrites a big state file in a loop through the real
// update path (read, change, atomic write) until it is killed. Each state carries its
// sequence number at both ends of a long note, so a torn file is detectable.
import { setItemNote, setPortFields, updatePort } from '../../../../src/core/checklist/state';
import { ALL_ITEMS } from '../../../../src/core/checklist/workflow';

export function bigNotes(n: number): string {
  return `${n}|${'x'.repeat(300_000)}|${n}`;
}

async function main(): Promise<void> {
  const [repo, model] = process.argv.slice(2);
  let announced = false;
  for (;;) {
    await updatePort(repo, model, (s) => {
      const n = Number(s.port.notes.split('|')[0]) + 1;
      let next = setPortFields(s, { notes: bigNotes(n) });
      for (const item of ALL_ITEMS) next = setItemNote(next, item.id, `${n} ${item.id} ${'y'.repeat(2000)}`);
      return next;
    });
    if (!announced) {
      process.stdout.write('ready\n');
      announced = true;
    }
  }
}

if (process.argv[1] && /stateWriter/.test(process.argv[1])) void main();
