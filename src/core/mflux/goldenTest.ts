// Golden image test for a port, in the style of mflux's tests/image_generation/: a slow
// pytest that generates with a fixed seed/steps/size/prompt and compares against a
// reference PNG in tests/resources/ with mflux's ImageCompare rule. When the model already
// has a helper, the test calls it with arguments its signature accepts (goldenHelper.ts).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fitHelperCall, findExistingHelper, HELPER_METHOD, type TestHelper, type WantedArg } from './goldenHelper';
import { helperText } from './goldenHelperTemplate';
import { MODEL_CONFIG_PATH, modelEntries } from './modelConfig';
import { modelNames } from './naming';
import { callableParams, parseClasses } from './pySignature';
import type { PlannedFile } from './scaffold';

export interface GoldenTestOptions {
  readonly model: string;
  readonly prompt?: string;
  readonly seed?: number;
  readonly steps?: number;
  readonly height?: number;
  readonly width?: number;
  /** Bits, or undefined for full precision. */
  readonly quantize?: number;
  readonly guidance?: number;
  /** Overrides mflux's default mismatch threshold (0.15). */
  readonly mismatchThreshold?: number;
  /** Suffix for several tests of one model (`_edit`, `_lora`): file names and the test name. */
  readonly variant?: string;
  /** ModelConfig key or alias to test, passed as `model_config=`; without it the helper's default applies (or the model's first entry where the helper requires one). */
  readonly modelConfig?: string;
}

export interface GoldenTestPlan {
  readonly files: readonly PlannedFile[];
  readonly skipped: readonly string[];
  readonly referenceImage: string;
  readonly outputImage: string;
  /** Command that runs it (from the repo root). */
  readonly command: string;
  /** The helper the test calls; `existing` when it was found in the checkout, not written. */
  readonly helper: { readonly rel: string; readonly cls: string; readonly existing: boolean };
  /** The helper call's arguments as generated. */
  readonly call: readonly string[];
  /** Settings left out because the helper does not take them. */
  readonly notes: readonly string[];
  /** The model's ModelConfig keys when the helper takes `model_config` (the choices of `modelConfig`), else empty. */
  readonly configChoices: readonly string[];
}

const DEFAULT_PROMPT = 'A photo of a red fox sitting in fresh snow, morning light, shallow depth of field';

/**
 * The text-to-image variant class the test instantiates and its module: the first class in
 * variants/txt2img/ (the file named after the package first), else in variants/ itself
 * (z_image keeps variants/z_image.py); the canonical name when the package is not scaffolded
 * yet; undefined when the package exists with no such variant (depth_pro, fibo_vlm).
 */
export function findVariantClass(root: string, model: string): { cls: string; module: string } | undefined {
  const n = modelNames(model);
  const pkgDir = join(root, 'src', 'mflux', 'models', model);
  for (const sub of [['variants', 'txt2img'], ['variants']]) {
    const dir = join(pkgDir, ...sub);
    let files: string[] = [];
    try {
      files = readdirSync(dir)
        .filter((f) => f.endsWith('.py') && f !== '__init__.py')
        .sort();
    } catch {
      continue;
    }
    const preferred = files.includes(`${model}.py`) ? [`${model}.py`, ...files.filter((f) => f !== `${model}.py`)] : files;
    for (const f of preferred) {
      const m = /^class\s+([A-Za-z]\w*)\s*[(:]/m.exec(readFileSync(join(dir, f), 'utf8'));
      if (m) return { cls: m[1], module: `mflux.models.${model}.${sub.join('.')}.${f.slice(0, -3)}` };
    }
  }
  if (existsSync(pkgDir)) return undefined;
  return { cls: n.cls, module: `mflux.models.${model}.variants.txt2img.${model}` };
}

function pyStr(s: string): string {
  return JSON.stringify(s); // a JSON string literal is a valid Python string literal for printable text
}

function validate(o: GoldenTestOptions): void {
  const ints: [string, number | undefined, number, number][] = [
    ['seed', o.seed, 0, 2 ** 32 - 1],
    ['steps', o.steps, 1, 1000],
    ['height', o.height, 16, 8192],
    ['width', o.width, 16, 8192],
  ];
  for (const [name, v, lo, hi] of ints)
    if (v !== undefined && (!Number.isInteger(v) || v < lo || v > hi)) throw new Error(`${name} must be an integer from ${lo} to ${hi}`);
  for (const [name, v] of [
    ['height', o.height],
    ['width', o.width],
  ] as const)
    if (v !== undefined && v % 16) throw new Error(`${name} must be a multiple of 16 (mflux resolves sizes in steps of 16)`);
  if (o.quantize !== undefined && ![3, 4, 5, 6, 8].includes(o.quantize)) throw new Error('quantize must be one of 3, 4, 5, 6, 8');
  if (o.mismatchThreshold !== undefined && !(o.mismatchThreshold > 0 && o.mismatchThreshold < 1))
    throw new Error('mismatchThreshold must be between 0 and 1');
  if (o.variant !== undefined && !/^[a-z0-9_]*$/.test(o.variant)) throw new Error('variant must be lowercase letters, digits and _');
  if (o.prompt !== undefined && [...o.prompt].some((ch) => ch !== '\n' && ch.charCodeAt(0) < 32))
    throw new Error('the prompt contains control characters');
}

/** The ModelConfig entry the test passes: the one named by the option, else the model's best entry. */
function chooseConfig(root: string, model: string, wanted?: string): { expr: string; key: string } | undefined {
  const { entries } = modelEntries(root, model);
  const pick = wanted ? entries.find((e) => [e.key, ...e.aliases].some((n) => n.toLowerCase() === wanted.toLowerCase())) : entries[0];
  if (wanted && !pick)
    throw new Error(
      `${MODEL_CONFIG_PATH}: no ModelConfig entry of ${model} is named "${wanted}"${entries.length ? ` (it has ${entries.map((e) => e.key).join(', ')})` : ''}`,
    );
  if (!pick) return undefined;
  return { key: pick.key, expr: pick.accessor ? `ModelConfig.${pick.accessor}()` : `ModelConfig.from_name(${pyStr(pick.key)})` };
}

export function planGoldenTest(root: string, options: GoldenTestOptions): GoldenTestPlan {
  validate(options);
  const n = modelNames(options.model);
  const variant = findVariantClass(root, options.model);
  const noVariant = `src/mflux/models/${options.model}/variants/ has no text-to-image variant class for a golden image test to generate with`;
  const suffix = options.variant ? `${options.model}_${options.variant.replace(/^_/, '')}` : options.model;
  const prompt = options.prompt?.trim() || DEFAULT_PROMPT;
  const referenceImage = `reference_${suffix}.png`;
  const outputImage = `output_${suffix}.png`;
  const testRel = `tests/image_generation/test_generate_image_${suffix}.py`;
  const config = chooseConfig(root, options.model, options.modelConfig);

  const existing = findExistingHelper(root, options.model);
  const helperRel = `tests/image_generation/helpers/image_generation_${options.model}_test_helper.py`;
  const helperCls = `ImageGenerator${n.cls}TestHelper`;
  if (!existing && !variant) throw new Error(noVariant);
  const newHelper = existing ? undefined : helperText({ helperCls, ...variant!, defaultConfig: config?.expr });
  const helper: TestHelper = existing ?? {
    rel: helperRel,
    module: helperRel.replace(/\.py$/, '').split('/').join('.'),
    cls: helperCls,
    params: callableParams(parseClasses(newHelper!)[0].methods[0]),
    existing: false,
  };
  const opt = (names: string[], v: number | undefined, fallback?: number): WantedArg[] =>
    v === undefined && fallback === undefined ? [] : [{ names, expr: String(v ?? fallback), explicit: v !== undefined }];
  const wanted: WantedArg[] = [
    { names: ['reference_image_path'], expr: pyStr(referenceImage), explicit: true },
    { names: ['output_image_path'], expr: pyStr(outputImage), explicit: true },
    ...(variant ? [{ names: ['model_class'], expr: variant.cls, explicit: false, namedOnly: true }] : []),
    // As mflux's tests do: model_config where the helper requires it or to pick a config other
    // than the helper's default (fibo_lite, seedvr2_7b); left out otherwise.
    ...(config
      ? [
          {
            names: ['model_config'],
            expr: config.expr,
            explicit: options.modelConfig !== undefined,
            namedOnly: true,
            onlyIfRequired: options.modelConfig === undefined,
          },
        ]
      : []),
    { names: ['prompt'], expr: 'PROMPT', explicit: options.prompt !== undefined },
    ...opt(['steps', 'num_inference_steps'], options.steps, 4),
    ...opt(['seed'], options.seed, 42),
    ...opt(['height'], options.height, 512),
    ...opt(['width'], options.width, 512),
    ...opt(['quantize'], options.quantize),
    ...opt(['guidance'], options.guidance),
    ...opt(['mismatch_threshold'], options.mismatchThreshold),
  ];
  const call = fitHelperCall(helper, wanted);
  const imports = [
    ...(call.passed.includes('model_config') ? ['from mflux.models.common.config.model_config import ModelConfig'] : []),
    ...(call.passed.includes('model_class') ? [`from ${variant!.module} import ${variant!.cls}`] : []),
    `from ${helper.module} import ${helper.cls}`,
  ];
  const test = [
    'import pytest',
    '',
    ...imports,
    '',
    ...(call.passed.includes('prompt') ? [`PROMPT = ${pyStr(prompt)}`, ''] : []),
    '',
    `class TestImageGenerator${n.cls}${
      options.variant
        ? options.variant
            .split('_')
            .map((p) => (p ? p[0].toUpperCase() + p.slice(1) : ''))
            .join('')
        : ''
    }:`,
    '    @pytest.mark.slow',
    `    def test_image_generation_${suffix}(self):`,
    `        ${helper.cls}.${HELPER_METHOD}(`,
    ...call.args.map((a) => `            ${a},`),
    '        )',
    '',
  ].join('\n');
  const files: PlannedFile[] = [];
  const skipped: string[] = [];
  for (const [rel, contents] of [[testRel, test], ...(newHelper ? [[helperRel, newHelper]] : [])] as const) {
    const path = join(root, ...rel.split('/'));
    if (existsSync(path)) skipped.push(rel);
    else files.push({ path, rel, contents });
  }
  const helpersInit = 'tests/image_generation/helpers/__init__.py';
  if (newHelper && !existsSync(join(root, ...helpersInit.split('/'))))
    files.push({ path: join(root, ...helpersInit.split('/')), rel: helpersInit, contents: '' });
  return {
    files,
    skipped,
    referenceImage: `tests/resources/${referenceImage}`,
    outputImage: `tests/resources/${outputImage}`,
    command: `MFLUX_PRESERVE_TEST_OUTPUT=1 uv run python -m pytest ${testRel} -m slow`,
    helper: { rel: helper.rel, cls: helper.cls, existing: helper.existing },
    call: call.args,
    notes: call.notes,
    configChoices: helper.params.some((p) => p.name === 'model_config' && p.kind !== 'positional-only')
      ? modelEntries(root, options.model).entries.map((e) => e.key)
      : [],
  };
}

export { listGoldenTests, parseGoldenTests, type GoldenTestCase } from './goldenTestList';

/**
 * A "Tests" section for the model README naming the golden test command, appended at its end;
 * undefined when the README is missing or already mentions the test file.
 */
export function readmeTestsInsertion(
  root: string,
  model: string,
  command: string,
): { file: string; line: number; text: string } | undefined {
  const file = join(root, 'src', 'mflux', 'models', model, 'README.md');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (text.includes(`test_generate_image_${model}`)) return undefined;
  const lines = text.split(/\r?\n/);
  const endsWithNewline = text.endsWith('\n');
  const line = endsWithNewline ? lines.length - 1 : lines.length;
  return { file, line, text: `${endsWithNewline ? '' : '\n'}\n## Tests\n\nGolden image test (slow):\n\n\`\`\`sh\n${command}\n\`\`\`\n` };
}
