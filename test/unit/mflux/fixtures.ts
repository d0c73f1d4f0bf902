// Builds small mflux-like repositories in temp folders: the files the audit, scaffold and
// hygiene tools read, in the shapes the real repository uses, with surfaces switchable
// per model so a test can leave exactly some of them out.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type Surface =
  | 'script'
  | 'config'
  | 'choices'
  | 'steps'
  | 'save'
  | 'readmeRow'
  | 'modelReadme'
  | 'goldenTest'
  | 'referenceImage'
  | 'weightDefinition'
  | 'cli';

export const ALL_SURFACES: readonly Surface[] = [
  'script',
  'config',
  'choices',
  'steps',
  'save',
  'readmeRow',
  'modelReadme',
  'goldenTest',
  'referenceImage',
  'weightDefinition',
  'cli',
];

export interface FixtureModel {
  /** Package name (snake_case). */
  readonly pkg: string;
  /** Class prefix. */
  readonly cls: string;
  /** ModelConfig key (hyphenated). */
  readonly key: string;
  readonly aliases: readonly string[];
  readonly surfaces: readonly Surface[];
}

export function tempDir(prefix = 'mflux-port-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function write(root: string, rel: string, text: string | Buffer): string {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

/** A 1x1 PNG (valid file; the audit only checks presence). */
const PNG_1x1 = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f1e2d70000000049454e44ae426082',
  'hex',
);

export function buildMfluxTree(root: string, models: readonly FixtureModel[]): string {
  const has = (m: FixtureModel, s: Surface) => m.surfaces.includes(s);
  const scripts = models
    .filter((m) => has(m, 'script'))
    .map((m) => `mflux-generate-${m.key} = "mflux.models.${m.pkg}.cli.${m.pkg}_generate:main"`);
  write(
    root,
    'pyproject.toml',
    [
      '[build-system]',
      'requires = ["uv_build>=0.7.19,<0.8.0"]',
      'build-backend = "uv_build"',
      '',
      '[project]',
      'name = "mflux"',
      'version = "0.18.0"',
      'description = "MLX native implementations."',
      '',
      '[project.scripts]',
      'mflux-generate = "mflux.models.flux.cli.flux_generate:main"',
      ...scripts,
      'mflux-save = "mflux.models.common.cli.save:main"',
      '',
      '',
      '[tool.ruff]',
      'line-length = 120',
      '',
    ].join('\n'),
  );

  const entries = models
    .filter((m) => has(m, 'config'))
    .flatMap((m, i) => [
      `    "${m.key}": ModelConfig(`,
      `        priority=${20 + i},`,
      `        aliases=[${m.aliases.map((a) => `"${a}"`).join(', ')}],`,
      `        model_name="org/${m.cls}",`,
      '        base_model=None,',
      '        num_train_steps=1000,',
      '        supports_guidance=True,',
      '        requires_sigma_shift=True,',
      '    ),',
    ]);
  const accessors = models
    .filter((m) => has(m, 'config'))
    .flatMap((m) => [
      '    @staticmethod',
      '    @lru_cache',
      `    def ${m.pkg}() -> "ModelConfig":`,
      `        return AVAILABLE_MODELS["${m.key}"]`,
      '',
    ]);
  write(
    root,
    'src/mflux/models/common/config/model_config.py',
    [
      'from functools import lru_cache',
      '',
      '',
      'class ModelConfig:',
      '    def __init__(self, priority, aliases, model_name, **kwargs):',
      '        self.aliases = aliases',
      '        self.model_name = model_name',
      '',
      '    @staticmethod',
      '    @lru_cache',
      '    def dev() -> "ModelConfig":',
      '        return AVAILABLE_MODELS["dev"]',
      '',
      ...accessors,
      '',
      'AVAILABLE_MODELS = {',
      '    "dev": ModelConfig(',
      '        priority=0,',
      '        aliases=["dev"],',
      '        model_name="black-forest-labs/FLUX.1-dev",',
      '    ),',
      ...entries,
      '}',
      '',
    ].join('\n'),
  );

  const choices = models.filter((m) => has(m, 'choices')).flatMap((m) => m.aliases.slice(0, 1).map((a) => `    "${a}",`));
  const steps = models.filter((m) => has(m, 'steps')).map((m) => `    "${m.aliases[0]}": 9,`);
  write(
    root,
    'src/mflux/cli/defaults/defaults.py',
    [
      'import os',
      '',
      'HEIGHT, WIDTH = 1024, 1024',
      'MODEL_CHOICES = [',
      '    "dev",',
      '    "schnell",',
      ...choices,
      ']',
      'MODEL_INFERENCE_STEPS = {',
      '    "dev": 25,',
      '    "schnell": 4,',
      ...steps,
      '}',
      'QUANTIZE_CHOICES = [3, 4, 5, 6, 8]',
      '',
    ].join('\n'),
  );

  const saving = models.filter((m) => has(m, 'save'));
  write(
    root,
    'src/mflux/models/common/cli/save.py',
    [
      'from mflux.cli.parser.parsers import CommandLineParser',
      'from mflux.models.common.config import ModelConfig',
      'from mflux.models.flux.variants.txt2img.flux import Flux1',
      ...saving.map((m) => `from mflux.models.${m.pkg}.variants.txt2img.${m.pkg} import ${m.cls}`),
      '',
      '',
      'def main():',
      '    parser = CommandLineParser(description="Save a quantized version of a model to disk.")',
      '    args = parser.parse_args()',
      '    model_name_lower = args.model.lower()',
      ...saving.flatMap((m, i) => [
        `    ${i === 0 ? 'if' : 'elif'} ${m.aliases.map((a) => `"${a}" in model_name_lower`).join(' or ')}:`,
        `        model_class = ${m.cls}`,
      ]),
      ...(saving.length ? ['    else:', '        model_class = Flux1'] : ['    model_class = Flux1']),
      '    model = model_class(quantize=args.quantize, model_config=ModelConfig.from_name(args.model))',
      '    model.save_model(args.path)',
      '',
    ].join('\n'),
  );

  write(
    root,
    'README.md',
    [
      '# MFLUX',
      '',
      '## Models',
      '',
      '| Model | Release date | Size | Type | Training | Description |',
      '| --- | --- | --- | --- | --- | --- |',
      ...models
        .filter((m) => has(m, 'readmeRow'))
        .map((m) => `|[${m.cls}](src/mflux/models/${m.pkg}/README.md) | Nov 2025 | 6B | Base | No | A model. |`),
      '|[FLUX.1](src/mflux/models/flux/README.md) | Aug 2024 | 12B | Distilled & Base | No | Legacy. |',
      '',
    ].join('\n'),
  );

  write(root, 'src/mflux/models/__init__.py', '');
  write(root, 'src/mflux/models/flux/__init__.py', '');
  write(root, 'src/mflux/utils/image_compare.py', 'class ImageCompare:\n    pass\n');
  write(root, '.gitignore', 'debug_artifacts/\n__pycache__/\n');
  for (const m of models) {
    const base = `src/mflux/models/${m.pkg}`;
    write(root, `${base}/__init__.py`, `from mflux.models.${m.pkg}.variants.txt2img.${m.pkg} import ${m.cls}\n`);
    write(root, `${base}/variants/txt2img/${m.pkg}.py`, `from mlx import nn\n\n\nclass ${m.cls}(nn.Module):\n    pass\n`);
    if (has(m, 'modelReadme')) write(root, `${base}/README.md`, `# ${m.cls}\n\nExamples.\n`);
    if (has(m, 'weightDefinition')) {
      write(
        root,
        `${base}/weights/${m.pkg}_weight_definition.py`,
        `class ${m.cls}WeightDefinition:\n    @staticmethod\n    def get_components():\n        return [ComponentDefinition(name="transformer", hf_subdir="transformer")]\n`,
      );
    }
    if (has(m, 'cli')) {
      write(
        root,
        `${base}/cli/${m.pkg}_generate.py`,
        [
          'from mflux.callbacks.callback_manager import CallbackManager',
          'from mflux.cli.parser.parsers import CommandLineParser',
          '',
          '',
          'def main():',
          '    parser = CommandLineParser(description="x")',
          '    parser.add_image_generator_arguments(supports_metadata_config=True)',
          '    args = parser.parse_args()',
          '    CallbackManager.register_callbacks(args=args, model=None, latent_creator=None)',
          '',
        ].join('\n'),
      );
    }
    if (has(m, 'goldenTest')) {
      write(
        root,
        `tests/image_generation/test_generate_image_${m.pkg}.py`,
        [
          'import pytest',
          '',
          '',
          `class TestImageGenerator${m.cls}:`,
          '    @pytest.mark.slow',
          `    def test_image_generation_${m.pkg}(self):`,
          `        assert_matches_reference_image(reference_image_path="reference_${m.pkg}.png", output_image_path="output_${m.pkg}.png")`,
          '',
        ].join('\n'),
      );
    }
    if (has(m, 'referenceImage')) write(root, `tests/resources/reference_${m.pkg}.png`, PNG_1x1);
  }
  return root;
}

/** A `<Cls>WeightMapping` module with one static getter returning `body`, as mflux writes them. */
export function weightMappingPy(cls: string, getter: string, body: string): string {
  return [
    'from mflux.models.common.weights.mapping.weight_mapping import WeightMapping, WeightTarget',
    '',
    '',
    `class ${cls}WeightMapping(WeightMapping):`,
    '    @staticmethod',
    `    def ${getter}() -> list[WeightTarget]:`,
    `        return ${body}`,
    '',
  ].join('\n');
}

/** A package with a VAE class another model can reuse (like qwen's). */
export function addVaePackage(root: string, pkg: string, cls: string): void {
  write(root, `src/mflux/models/${pkg}/__init__.py`, '');
  write(root, `src/mflux/models/${pkg}/model/${pkg}_vae/${pkg}_vae.py`, `from mlx import nn\n\n\nclass ${cls}(nn.Module):\n    pass\n`);
  write(
    root,
    `src/mflux/models/${pkg}/weights/${pkg}_weight_mapping.py`,
    weightMappingPy(`${pkg[0].toUpperCase()}${pkg.slice(1)}`, 'get_vae_mapping', '[]'),
  );
}

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Turns a folder into a git repo with one commit of everything in it. */
export function initRepo(root: string): void {
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.email', 't@t');
  git(root, 'config', 'user.name', 't');
  git(root, 'config', 'commit.gpgsign', 'false');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'initial');
}

export const Z_IMAGE: FixtureModel = {
  pkg: 'z_image',
  cls: 'ZImage',
  key: 'z-image',
  aliases: ['z-image', 'zimage'],
  surfaces: ALL_SURFACES,
};
