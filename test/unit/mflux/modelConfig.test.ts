import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { modelEntries, readModelConfig } from '../../../src/core/mflux/modelConfig';
import { tempDir, write } from './fixtures';

// Conventions met in the real model_config.py, in our own words: a key spelled differently from
// the package ("nova-2" for nova2), an alias list written over several lines whose package name
// sits only in the aliases of a variant entry, nested dicts with an `aliases` key of their own.
const CONFIG = `from functools import lru_cache


class ModelConfig:
    @staticmethod
    @lru_cache
    def nova2() -> "ModelConfig":
        return AVAILABLE_MODELS["nova-2"]

    @staticmethod
    def orbit_fast() -> "ModelConfig":
        return AVAILABLE_MODELS["orbit-fast-q8"]


AVAILABLE_MODELS = {
    "nova-2": ModelConfig(
        priority=1,
        aliases=["nova-2", "nova2-base"],
        model_name="org/Nova-2",
        extra={"aliases": ["not-an-alias"]},
    ),
    "orbit-fast-q8": ModelConfig(
        priority=2,
        aliases=[
            "orbit-fast-q8",
            "orbit",  # the package name, only here
        ],
        model_name="org/Orbit-Fast",
    ),
    'plain': ModelConfig(aliases=['plain'], model_name='org/Plain'),
}
`;

const PY = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
out = []
for node in tree.body:
    if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', '') == 'AVAILABLE_MODELS':
        for k, v in zip(node.value.keys, node.value.values):
            kw = {x.arg: x.value for x in v.keywords}
            out.append([k.value, kw['aliases'].lineno if 'aliases' in kw else None, [e.value for e in kw['aliases'].elts] if 'aliases' in kw else [], kw['model_name'].value if 'model_name' in kw else None, k.lineno])
print(json.dumps(out))
`;

test("ModelConfig entries over several lines agree with Python's ast; aliases find the package", () => {
  const root = tempDir();
  write(root, 'src/mflux/models/common/config/model_config.py', CONFIG);
  const file = join(root, 'src/mflux/models/common/config/model_config.py');
  const py = spawnSync('/usr/bin/python3', ['-c', PY, file], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const truth = JSON.parse(py.stdout) as [string, number | null, string[], string | null, number][];
  const cfg = readModelConfig(root)!;
  assert.deepEqual(
    cfg.entries.map((e) => [e.key, e.aliasLine === undefined ? null : e.aliasLine + 1, e.aliases, e.modelName ?? null, e.keyLine + 1]),
    truth,
  );
  assert.deepEqual(
    cfg.entries.map((e) => e.accessor),
    ['nova2', 'orbit_fast', undefined],
  );
  write(root, 'src/mflux/models/orbit/__init__.py', '');
  write(root, 'src/mflux/models/nova2/__init__.py', 'from mflux.models.common.config import ModelConfig\nc = ModelConfig.nova2()\n');
  // orbit only appears inside a multi-line alias list; nova2 through the accessor its code calls.
  assert.equal(modelEntries(root, 'orbit').entries[0]?.key, 'orbit-fast-q8');
  assert.equal(modelEntries(root, 'orbit').entries[0]?.modelName, 'org/Orbit-Fast');
  assert.equal(modelEntries(root, 'nova2').entries[0]?.key, 'nova-2');
  assert.equal(modelEntries(root, 'plainer').entries.length, 0);
});
