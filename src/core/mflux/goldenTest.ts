// Golden image test for a port, in the style of mflux's tests/image_generation/: a slow
// pytest that generates with a fixed seed/steps/size/prompt and compares against a
// reference PNG in tests/resources/ with mflux's ImageCompare rule.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelNames } from './naming';
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
}

export interface GoldenTestPlan {
  readonly files: readonly PlannedFile[];
  readonly skipped: readonly string[];
  readonly referenceImage: string;
  readonly outputImage: string;
  /** Command that runs it (from the repo root). */
  readonly command: string;
}

const DEFAULT_PROMPT = 'A photo of a red fox sitting in fresh snow, morning light, shallow depth of field';

/** The variant class the test should instantiate and where to import it from. */
export function findVariantClass(root: string, model: string): { cls: string; module: string } {
  const n = modelNames(model);
  const dir = join(root, 'src', 'mflux', 'models', model, 'variants', 'txt2img');
  let files: string[] = [];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.py') && f !== '__init__.py')
      .sort();
  } catch {
    /* not scaffolded yet */
  }
  const preferred = files.includes(`${model}.py`) ? [`${model}.py`, ...files.filter((f) => f !== `${model}.py`)] : files;
  for (const f of preferred) {
    const m = /^class\s+(\w+)\s*\(/m.exec(readFileSync(join(dir, f), 'utf8'));
    if (m) return { cls: m[1], module: `mflux.models.${model}.variants.txt2img.${f.slice(0, -3)}` };
  }
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

export function planGoldenTest(root: string, options: GoldenTestOptions): GoldenTestPlan {
  validate(options);
  const n = modelNames(options.model);
  const { cls, module } = findVariantClass(root, options.model);
  const suffix = options.variant ? `${options.model}_${options.variant.replace(/^_/, '')}` : options.model;
  const seed = options.seed ?? 42;
  const steps = options.steps ?? 4;
  const height = options.height ?? 512;
  const width = options.width ?? 512;
  const prompt = options.prompt?.trim() || DEFAULT_PROMPT;
  const referenceImage = `reference_${suffix}.png`;
  const outputImage = `output_${suffix}.png`;
  const helperName = `image_generation_${options.model}_test_helper`;
  const helperCls = `ImageGenerator${n.cls}TestHelper`;
  const testRel = `tests/image_generation/test_generate_image_${suffix}.py`;
  const helperRel = `tests/image_generation/helpers/${helperName}.py`;

  const genArgs = [
    `            reference_image_path=${pyStr(referenceImage)},`,
    `            output_image_path=${pyStr(outputImage)},`,
    '            prompt=PROMPT,',
    `            steps=${steps},`,
    `            seed=${seed},`,
    `            height=${height},`,
    `            width=${width},`,
    ...(options.quantize !== undefined ? [`            quantize=${options.quantize},`] : []),
    ...(options.guidance !== undefined ? [`            guidance=${options.guidance},`] : []),
    ...(options.mismatchThreshold !== undefined ? [`            mismatch_threshold=${options.mismatchThreshold},`] : []),
  ];
  const test = [
    'import pytest',
    '',
    `from tests.image_generation.helpers.${helperName} import ${helperCls}`,
    '',
    `PROMPT = ${pyStr(prompt)}`,
    '',
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
    `        ${helperCls}.assert_matches_reference_image(`,
    ...genArgs,
    '        )',
    '',
  ].join('\n');
  const helper = [
    'import os',
    'from pathlib import Path',
    '',
    `from ${module} import ${cls}`,
    'from mflux.utils.image_compare import ImageCompare',
    '',
    '',
    `class ${helperCls}:`,
    '    @staticmethod',
    '    def assert_matches_reference_image(',
    '        reference_image_path: str,',
    '        output_image_path: str,',
    '        prompt: str,',
    '        steps: int,',
    '        seed: int,',
    '        height: int,',
    '        width: int,',
    '        quantize: int | None = None,',
    '        guidance: float | None = None,',
    '        mismatch_threshold: float | None = None,',
    '    ):',
    `        reference_image_path = ${helperCls}.resolve_path(reference_image_path)`,
    `        output_image_path = ${helperCls}.resolve_path(output_image_path)`,
    '        try:',
    `            model = ${cls}(quantize=quantize)`,
    '            kwargs = {} if guidance is None else {"guidance": guidance}',
    '            image = model.generate_image(',
    '                seed=seed,',
    '                prompt=prompt,',
    '                num_inference_steps=steps,',
    '                height=height,',
    '                width=width,',
    '                **kwargs,',
    '            )',
    '            image.save(output_image_path)',
    '            ImageCompare.check_images_close_enough(',
    '                output_image_path,',
    '                reference_image_path,',
    '                "Generated image doesn\'t match reference image.",',
    '                mismatch_threshold=mismatch_threshold,',
    '            )',
    '        finally:',
    '            # Keep the output for inspection only when asked to (MFLUX_PRESERVE_TEST_OUTPUT=1).',
    '            if os.path.exists(output_image_path) and "MFLUX_PRESERVE_TEST_OUTPUT" not in os.environ:',
    '                os.remove(output_image_path)',
    '',
    '    @staticmethod',
    '    def resolve_path(path) -> Path | None:',
    '        if path is None:',
    '            return None',
    '        return Path(__file__).parent.parent.parent / "resources" / path',
    '',
  ].join('\n');
  const files: PlannedFile[] = [];
  const skipped: string[] = [];
  for (const [rel, contents] of [
    [testRel, test],
    [helperRel, helper],
  ] as const) {
    const path = join(root, ...rel.split('/'));
    if (existsSync(path)) skipped.push(rel);
    else files.push({ path, rel, contents });
  }
  const helpersInit = 'tests/image_generation/helpers/__init__.py';
  if (!existsSync(join(root, ...helpersInit.split('/'))))
    files.push({ path: join(root, ...helpersInit.split('/')), rel: helpersInit, contents: '' });
  return {
    files,
    skipped,
    referenceImage: `tests/resources/${referenceImage}`,
    outputImage: `tests/resources/${outputImage}`,
    command: `MFLUX_PRESERVE_TEST_OUTPUT=1 uv run python -m pytest ${testRel} -m slow`,
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
