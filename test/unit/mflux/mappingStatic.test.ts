// The static reader on the Python forms mappings use, checked against Python itself: the same
// module is imported with a stand-in WeightTarget and its getters' output compared.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { PYTHON } from '../../helpers/python';
import { readMappingFile } from '../../../src/core/mflux/mappingStatic';
import { tokenize } from '../../../src/core/mflux/pyTokens';
import { tempDir, write } from './fixtures';

const MAPPING = `from mflux.models.common.weights.mapping.weight_mapping import (
    WeightMapping,
    WeightTarget,
)
from mflux.models.common.weights.mapping.weight_transforms import WeightTransforms

ROOT = "model"
LAYERS = ROOT + ".layers"


class FormsWeightMapping(WeightMapping):
    @staticmethod
    def get_forms_mapping() -> list[WeightTarget]:
        prefix = f"{LAYERS}.{{layer}}"
        targets = [
            WeightTarget("embed.weight", [f"{ROOT}.embed_tokens.weight"]),
            WeightTarget(
                to_pattern='norm.weight',
                from_pattern=[r"model.norm.weight", "final_norm.weight"],
                required=False,
            ),
            WeightTarget(to_pattern="conv.weight", from_pattern=["conv.weight"], transform=WeightTransforms.transpose_conv2d_weight),
        ]
        targets += [
            WeightTarget(to_pattern=f"layers.{{layer}}.{p}.weight", from_pattern=[f"{prefix}.self_attn.{p}_proj.weight"])
            for p in ("q", "k", "v")
        ]
        for i in range(2):
            targets.append(WeightTarget(to_pattern=f"mid.{i}.w", from_pattern=[f"mid_block.resnets.{i}.w"]))
        for stage in range(1, 6, 2):
            targets += FormsWeightMapping._stage(stage)
        for n in [4, 7]:
            targets.append(WeightTarget(to_pattern=f"extra.{n}.w", from_pattern=[f"extra_{n}.w"]))
        targets.extend(FormsWeightMapping._mlp(name="up"))
        targets.extend(FormsWeightMapping._mlp("down", suffix="bias"))
        targets.append(WeightTarget(to_pattern="blocks.{block}.x", from_pattern=["blocks.{block}.x"], max_blocks=3))
        targets += FormsWeightMapping._ident("a.weight", "b.weight") + FormsWeightMapping._ident(*["c.weight"])
        return targets

    @staticmethod
    def _stage(i: int) -> list[WeightTarget]:
        targets = [WeightTarget(to_pattern=f"stages.{i}.conv.weight", from_pattern=[f"stages.{i}.conv.weight"])]
        if i > 1:
            targets.append(WeightTarget(to_pattern=f"stages.{i}.up.weight", from_pattern=[f"stages.{i}.upsample.weight"]))
        elif i == 1:
            targets.append(WeightTarget(to_pattern="stages.first.weight", from_pattern=["stages.first.weight"]))
        else:
            targets.append(WeightTarget(to_pattern="never.weight", from_pattern=["never.weight"]))
        return targets

    @staticmethod
    def _ident(*keys: str) -> list[WeightTarget]:
        return [WeightTarget(to_pattern=k, from_pattern=[k]) for k in keys]

    @staticmethod
    def _mlp(name: str, suffix: str = "weight") -> list[WeightTarget]:
        return [WeightTarget(to_pattern=f"layers.{{layer}}.mlp.{name}.{suffix}", from_pattern=[f"{LAYERS}.{{layer}}.mlp.{name}_proj.{suffix}"])]

    @staticmethod
    def get_unresolved_mapping() -> list[WeightTarget]:
        names = compute_names()
        targets = [WeightTarget(to_pattern=f"x.{n}", from_pattern=[f"x.{n}"]) for n in names]
        for b in range(count_blocks()):
            targets.append(WeightTarget(to_pattern=f"y.{b}.w", from_pattern=[f"y.{b}.w"]))
        return targets
`;

test('mapping forms: literals, r-strings, f-strings with constants, comprehensions, loops, helpers, defaults, *args, sums of helper calls', () => {
  const root = tempDir();
  const file = write(root, 'src/mflux/models/forms/weights/forms_weight_mapping.py', MAPPING);
  write(root, 'shim/mflux/__init__.py', '');
  write(root, 'shim/mflux/models/__init__.py', '');
  write(root, 'shim/mflux/models/common/__init__.py', '');
  write(root, 'shim/mflux/models/common/weights/__init__.py', '');
  write(root, 'shim/mflux/models/common/weights/mapping/__init__.py', '');
  write(
    root,
    'shim/mflux/models/common/weights/mapping/weight_mapping.py',
    [
      'from dataclasses import dataclass',
      'from typing import Callable, List, Optional',
      '',
      '',
      '@dataclass',
      'class WeightTarget:',
      '    to_pattern: str',
      '    from_pattern: List[str]',
      '    transform: Optional[Callable] = None',
      '    required: bool = True',
      '    max_blocks: Optional[int] = None',
      '',
      '',
      'class WeightMapping:',
      '    pass',
      '',
    ].join('\n'),
  );
  write(
    root,
    'shim/mflux/models/common/weights/mapping/weight_transforms.py',
    'class WeightTransforms:\n    transpose_conv2d_weight = staticmethod(lambda x: x)\n',
  );
  // What Python itself builds from the module.
  const r = spawnSync(
    PYTHON,
    [
      '-c',
      [
        'import importlib.util, json, sys',
        'spec = importlib.util.spec_from_file_location("forms", sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
        'ts = m.FormsWeightMapping.get_forms_mapping()',
        'print(json.dumps([[t.to_pattern, t.from_pattern, t.required, t.max_blocks, t.transform is not None] for t in ts]))',
      ].join('\n'),
      file,
    ],
    { encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(root, 'shim'), PYTHONDONTWRITEBYTECODE: '1' } },
  );
  assert.equal(r.status, 0, r.stderr);
  const python = JSON.parse(r.stdout) as [string, string[], boolean, number | null, boolean][];
  const m = readMappingFile(file, root);
  const forms = m.getters.find((g) => g.name === 'get_forms_mapping')!;
  // range() loops, integer lists and if/elif/else on known values run as in Python: the same targets, in order.
  assert.deepEqual(
    forms.targets.map((t) => [t.to, t.from, t.required, t.maxBlocks, t.hasTransform]),
    python.map(([to, from, req, mb, tr]) => [to, from, req, mb ?? undefined, tr]),
  );
  assert.ok(python.some(([to]) => to === 'stages.5.up.weight') && python.some(([to]) => to === 'extra.7.w'));
  assert.ok(!python.some(([to]) => to === 'never.weight' || to === 'stages.1.up.weight'));
  // Lines point at each WeightTarget call.
  const lines = MAPPING.split('\n');
  for (const t of forms.targets) assert.match(lines[t.line - 1], /WeightTarget\(/, `line ${t.line}`);
  // The computed loop and the range of unknown length are reported, with their lines; nothing in the resolvable getter is.
  const unresolved = m.unresolved.map((u) => [u.line, u.what]);
  const computeLine = lines.findIndex((l) => l.includes('for n in names')) + 1;
  const rangeLine = lines.findIndex((l) => l.includes('for b in range(count_blocks())')) + 1;
  assert.deepEqual([...new Set(unresolved.map(([line]) => line))].sort(), [computeLine, rangeLine].sort(), JSON.stringify(unresolved));
  assert.match(String(unresolved.find(([line]) => line === computeLine)![1]), /names/);
  // The unknown range leaves {b} open (matched as any block number), and says so on the target.
  const open = m.getters.find((g) => g.name === 'get_unresolved_mapping')!.targets.find((t) => t.to === 'y.{b}.w')!;
  assert.deepEqual(open.open, ['b']);
});

test('tokenizer: logical lines across brackets and continuations, strings with prefixes and escapes', () => {
  const lines = tokenize('x = (1,\n  2)\ny = "a\\"b" \\\n  + rb\'c\'\n"""doc\nstring"""\n# comment\nz = f"{a}{{b}}"\n');
  assert.deepEqual(
    lines.map((l) => [l.line, l.toks.map((t) => t.value).join(' ')]),
    [
      [1, 'x = ( 1 , 2 )'],
      [3, 'y = "a\\"b" + rb\'c\''],
      [5, '"""doc\nstring"""'],
      [8, 'z = f"{a}{{b}}"'],
    ],
  );
  const s = lines[1].toks[2];
  assert.equal(s.body, 'a\\"b');
  assert.equal(lines[1].toks[4].prefix, 'rb');
});
