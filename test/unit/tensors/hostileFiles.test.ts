// Hostile tensor files written by Python: pickles nested thousands deep (a dict key of nested
// tuples, a chain of _rebuild_from_type_v2) and Git LFS pointers checked out in place of the
// weights. Each is one line naming the file, in the CLI and in the tensor viewer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON } from '../../helpers/python';
import { TensorViewerController } from '../../../src/features/panels/tensorViewerController';
import type { TensorViewerHostMessage } from '../../../src/protocol/tensorViewer';
import { ensureBuilt, runCli } from '../../helpers/cli';

const tmp = mkdtempSync(join(tmpdir(), 'mp-hostile-files-'));
const POINTER =
  'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 4198103432\n';

before(() => {
  ensureBuilt();
  const py = `
import json, os, sys, torch
sys.setrecursionlimit(200000)
d = sys.argv[1]
key = 1
for _ in range(5000): key = (key,)
torch.save({key: torch.zeros(2)}, d + "/deep_key.pt")
class R:
    def __init__(self, a): self.a = a
    def __reduce__(self): return (torch._tensor._rebuild_from_type_v2, self.a)
a = (set, torch.Tensor, ((),), {})
for _ in range(3000): a = (torch._tensor._rebuild_from_type_v2, torch.Tensor, a, {})
torch.save({"w": torch.zeros(2), "x": R(a)}, d + "/deep_call.pt")
# what torch itself reads: the files load (so they are valid pickles, only deep)
torch.load(d + "/deep_key.pt")
pointer = sys.argv[2]
for f in ["pointer.safetensors", "pytorch_model.bin", "snap/model-00001-of-00002.safetensors", "snap/model-00002-of-00002.safetensors"]:
    os.makedirs(os.path.dirname(d + "/" + f), exist_ok=True)
    open(d + "/" + f, "w").write(pointer)
json.dump({"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}, open(d + "/snap/model.safetensors.index.json", "w"))
`;
  const r = spawnSync(PYTHON, ['-c', py, tmp, POINTER], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function oneLine(args: string[], re: RegExp): void {
  const r = runCli(...args);
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /Maximum call stack|RangeError|\n\s+at /);
}

test('a pickle nested thousands deep is one line naming the file, not a stack overflow', () => {
  oneLine(['inspect', join(tmp, 'deep_key.pt')], /^error: .*deep_key\.pt: data\.pkl has a dict key of tuples nested more than 64 deep$/);
  oneLine(['stats', join(tmp, 'deep_call.pt')], /^error: .*deep_call\.pt: data\.pkl nests _rebuild_from_type_v2 more than 64 deep$/);
  oneLine(['compare', join(tmp, 'deep_call.pt'), join(tmp, 'deep_key.pt')], /^error: .*deep_call\.pt: data\.pkl nests/);
});

test('a Git LFS pointer says so and says what to run, for .safetensors, .bin, folders and shards', () => {
  const msg = (f: string) =>
    new RegExp(
      `^error: .*${f.replace(/\./g, '\\.')} is a Git LFS pointer, not the tensor data \\(the real file is 4\\.2 GB\\); run \`git lfs pull\`$`,
    );
  oneLine(['inspect', join(tmp, 'pointer.safetensors')], msg('pointer.safetensors'));
  oneLine(['inspect', join(tmp, 'pytorch_model.bin')], msg('pytorch_model.bin'));
  oneLine(['stats', join(tmp, 'snap')], msg('model-00001-of-00002.safetensors'));
  oneLine(['inspect', join(tmp, 'snap', 'model.safetensors.index.json')], msg('model-00001-of-00002.safetensors'));
  mkdirSync(join(tmp, 'cand'));
  oneLine(['compare', join(tmp, 'pytorch_model.bin'), join(tmp, 'cand')], msg('pytorch_model.bin'));
});

test('the tensor viewer shows the Git LFS message for a pointer file', async () => {
  const posted: TensorViewerHostMessage[] = [];
  const c = new TensorViewerController(join(tmp, 'pytorch_model.bin'), { post: (m) => posted.push(m), rejected: () => {} });
  await c.handle({ kind: 'ready', payload: {} });
  const init = posted[0] as unknown as { kind: string; payload: { tensors: unknown[]; error: string | null } };
  assert.equal(init.kind, 'init');
  assert.deepEqual(init.payload.tensors, []);
  assert.match(init.payload.error ?? '', /pytorch_model\.bin is a Git LFS pointer, not the tensor data .*; run `git lfs pull`$/);
  c.dispose();
});
