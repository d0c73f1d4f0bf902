// The bad-input corpus (test/fixtures/make_bad_tensors.py): every file must end in the
// typed error it is mapped to, with a one-line message naming the file and the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tensors from '../../../src/core/tensors';
import { ensureGenerated } from '../../helpers/python';

const dir = ensureGenerated('bad-tensors', 'test/fixtures/make_bad_tensors.py');
const corpus: { path: string; error: string; match: string | null }[] = JSON.parse(readFileSync(join(dir, 'corpus.json'), 'utf8'));

/** Opens, lists and reads every tensor; returns the first error. */
export async function readAll(path: string): Promise<unknown> {
  let src;
  try {
    src = await tensors.openTensors(path);
    for (const t of src.list()) if (t.decodable) await src.read(t.name);
  } catch (e) {
    return e;
  } finally {
    await src?.close();
  }
  return undefined;
}

test('the corpus has at least 40 bad inputs of every format', () => {
  assert.ok(corpus.length >= 40, `${corpus.length}`);
  for (const prefix of ['st/', 'npy/', 'npz/', 'torch/', 'other/', 'folders/'])
    assert.ok(
      corpus.some((c) => c.path.startsWith(prefix)),
      prefix,
    );
});

for (const c of corpus) {
  test(`${c.path} → ${c.error}`, async () => {
    const err = await readAll(join(dir, c.path));
    const cls = (tensors as unknown as Record<string, new (...a: never[]) => Error>)[c.error];
    assert.ok(cls, `no error class ${c.error}`);
    assert.ok(
      err instanceof cls,
      `expected ${c.error}, got ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`,
    );
    const e = err as tensors.TensorFileError;
    assert.ok(e instanceof tensors.TensorFileError);
    assert.ok(e.file.startsWith(dir), `names the file: ${e.file}`);
    assert.ok(e.message.startsWith(`${e.file}: `));
    assert.doesNotMatch(e.message, /\n/);
    assert.ok(e.message.length < 400, 'message stays short');
    if (c.match) assert.ok(e.message.includes(c.match), `message ${JSON.stringify(e.message)} should include ${JSON.stringify(c.match)}`);
  });
}
