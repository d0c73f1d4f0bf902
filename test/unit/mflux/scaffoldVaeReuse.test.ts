// Reusing another package's VAE: the scaffold must find the VAE class and its weight mapping in
// every layout real mflux uses (own <pkg>_weight_mapping.py; a mapping file named with a shorter
// prefix, as ernie_image's ernie_weight_mapping.py; a definition whose "vae" component points at
// another package's mapping, as ideogram4 → flux2; a VAE imported by the initializer from a
// third package), and say so when there is none. The generated imports are checked by Python's
// own ast against the fixture tree, not by the scaffold's reader.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { PYTHON } from '../../helpers/python';
import { planModelPackage } from '../../../src/core/mflux/scaffold';
import { addVaePackage, buildMfluxTree, tempDir, write } from './fixtures';

const M = 'src/mflux/models';

/** A weight definition whose "vae" component uses `getter`, imported from `module`. */
function definition(cls: string, module: string, mappingCls: string, getter: string): string {
  return [
    'from mflux.models.common.weights.loading.weight_definition import ComponentDefinition',
    `from ${module} import ${mappingCls}`,
    '',
    '',
    `class ${cls}WeightDefinition:`,
    '    @staticmethod',
    '    def get_components():',
    '        return [',
    '            ComponentDefinition(',
    '                name="vae",',
    '                hf_subdir="vae",',
    `                mapping_getter=${mappingCls}.${getter},`,
    '            ),',
    '        ]',
    '',
  ].join('\n');
}

const mappingPy = (cls: string, getters: string[]) =>
  [`class ${cls}:`, ...getters.flatMap((g) => ['    @staticmethod', `    def ${g}():`, '        return []', ''])].join('\n');

/**
 * Python's answer: for the generated definition, every `from mflux.models... import X` whose
 * X is used as `X.fn` in a mapping_getter (the scaffold's files written into the tree): does the module file exist and define class X with
 * def fn? Prints one line per getter: `X.fn ok` or `X.fn missing: why`.
 */
function pythonResolves(root: string, definitionText: string): string[] {
  const script = `
import ast, os, re, sys
root, text = sys.argv[1], sys.stdin.read()
imports = {}
for node in ast.walk(ast.parse(text)):
    if isinstance(node, ast.ImportFrom) and node.module.startswith("mflux.models"):
        for a in node.names:
            imports[a.name] = node.module
for cls, fn in re.findall(r"mapping_getter=(\\w+)\\.(\\w+)", text):
    mod = imports.get(cls)
    path = os.path.join(root, "src", *mod.split(".")) + ".py" if mod else None
    if not path or not os.path.exists(path):
        print(f"{cls}.{fn} missing: module {mod} has no file"); continue
    tree = ast.parse(open(path).read())
    found = [c for c in tree.body if isinstance(c, ast.ClassDef) and c.name == cls]
    ok = found and any(isinstance(d, ast.FunctionDef) and d.name == fn for d in found[0].body)
    print(f"{cls}.{fn} ok" if ok else f"{cls}.{fn} missing: no def {fn} in class {cls} of {mod}")
`;
  const r = spawnSync(PYTHON, ['-c', script, root], { input: definitionText, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

/** The vae getter's line, then the new package's own transformer and text encoder getters. */
const withOwn = (vae: string) => [vae, 'NovaWeightMapping.get_transformer_mapping ok', 'NovaWeightMapping.get_text_encoder_mapping ok'];

function planFor(root: string, from: string) {
  const plan = planModelPackage(root, { model: 'nova', reuseVaeFrom: from });
  for (const f of plan.files) write(root, f.rel, f.contents);
  const file = (end: string) => plan.files.find((f) => f.rel.endsWith(end))!.contents;
  return { plan, def: file('nova_weight_definition.py'), init: file('nova_initializer.py'), mapping: file('nova_weight_mapping.py') };
}

function tree(): string {
  const root = buildMfluxTree(tempDir(), []);
  // "sun" owns a VAE and its mapping under the conventional names (like flux2).
  addVaePackage(root, 'sun', 'SunVAE');
  return root;
}

test('reused VAE: the own <pkg>_weight_mapping.py of the package', () => {
  const root = tree();
  const { plan, def, mapping } = planFor(root, 'sun');
  assert.deepEqual(pythonResolves(root, def), withOwn('SunWeightMapping.get_vae_mapping ok'));
  assert.deepEqual(plan.notes, []);
  assert.doesNotMatch(mapping, /def get_vae_mapping/, 'the reused getter is not stubbed again');
});

test('reused VAE: a mapping file whose prefix is not the package name, VAE imported from a third package', () => {
  const root = tree();
  // "moon_image" (like ernie_image) keeps its mapping in moon_weight_mapping.py and uses sun's VAE class.
  write(root, `${M}/moon_image/__init__.py`, '');
  write(root, `${M}/moon_image/moon_image_initializer.py`, 'from mflux.models.sun.model.sun_vae.sun_vae import SunVAE\n');
  write(root, `${M}/moon_image/model/moon_transformer/transformer.py`, 'class MoonTransformer:\n    pass\n');
  write(
    root,
    `${M}/moon_image/weights/moon_weight_mapping.py`,
    mappingPy('MoonWeightMapping', ['get_transformer_mapping', 'get_vae_mapping']),
  );
  write(
    root,
    `${M}/moon_image/weights/moon_weight_definition.py`,
    definition('Moon', 'mflux.models.moon_image.weights.moon_weight_mapping', 'MoonWeightMapping', 'get_vae_mapping'),
  );
  const { plan, def, init } = planFor(root, 'moon_image');
  assert.match(init, /^from mflux\.models\.sun\.model\.sun_vae\.sun_vae import SunVAE$/m);
  assert.deepEqual(pythonResolves(root, def), withOwn('MoonWeightMapping.get_vae_mapping ok'));
  assert.deepEqual(plan.notes, []);
});

test("reused VAE: a definition whose vae component uses another package's mapping", () => {
  const root = tree();
  // "star" (like ideogram4) has no get_vae_mapping of its own: its definition names sun's.
  write(root, `${M}/star/__init__.py`, '');
  write(root, `${M}/star/star_initializer.py`, 'from mflux.models.sun.model.sun_vae.sun_vae import SunVAE\n');
  write(root, `${M}/star/weights/star_weight_mapping.py`, mappingPy('StarWeightMapping', ['get_transformer_mapping']));
  write(
    root,
    `${M}/star/weights/star_weight_definition.py`,
    definition('Star', 'mflux.models.sun.weights.sun_weight_mapping', 'SunWeightMapping', 'get_vae_mapping'),
  );
  const { plan, def } = planFor(root, 'star');
  assert.deepEqual(pythonResolves(root, def), withOwn('SunWeightMapping.get_vae_mapping ok'));
  assert.deepEqual(plan.notes, []);
});

test('reused VAE: no definition, the getter in a second class of an oddly named weights file', () => {
  const root = tree();
  write(root, `${M}/comet/model/comet_vae/vae.py`, 'class CometVAE(nn.Module):\n    pass\n');
  write(
    root,
    `${M}/comet/weights/mappings.py`,
    `${mappingPy('CometTextMapping', ['get_text_encoder_mapping'])}\n\n${mappingPy('CometVaeMapping', ['get_vae_mapping'])}`,
  );
  const { plan, def } = planFor(root, 'comet');
  assert.deepEqual(pythonResolves(root, def), withOwn('CometVaeMapping.get_vae_mapping ok'));
  assert.deepEqual(plan.notes, []);
});

test('reused VAE without any VAE mapping: a clear note, and the new package gets its own getter stub', () => {
  const root = tree();
  write(root, `${M}/dust/model/dust_vae/vae.py`, 'class DustVAE(nn.Module):\n    pass\n');
  write(root, `${M}/dust/weights/dust_weight_mapping.py`, mappingPy('DustWeightMapping', ['get_transformer_mapping']));
  const { plan, def, mapping } = planFor(root, 'dust');
  assert.equal(plan.notes.length, 1);
  assert.match(plan.notes[0], /found no VAE weight mapping of "dust"/);
  assert.match(plan.notes[0], /src\/mflux\/models\/dust\/weights/);
  // Until the user writes one, the definition points at the new package's own (stub) getter.
  assert.match(mapping, /def get_vae_mapping/);
  assert.deepEqual(
    pythonResolves(root, def).filter((l) => l.includes('vae')),
    ['NovaWeightMapping.get_vae_mapping ok'],
  );
  assert.ok(!planModelPackage(tempDir(), { model: 'nova' }).notes.length, 'no note when nothing is reused');
});
