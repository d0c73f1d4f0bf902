// Golden tests of an mflux checkout: test functions that compare a generated image with a
// reference image (they call an `assert_matches_reference_image` helper or mflux's
// ImageCompare, or name a reference PNG). A model's fast unit tests in the same folder are
// not golden tests. A test belongs to a model when its file is named after the model
// (`test_generate_image_<model>*.py`) or imports the model's package directly (Depth Pro's
// lives in tests/depth/).
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { maskPython } from './pyLines';
import { walkFiles } from './walk';

export interface GoldenTestCase {
  /** pytest node id, e.g. `tests/image_generation/test_generate_image_x.py::TestX::test_y`. */
  readonly id: string;
  readonly file: string;
  readonly cls?: string;
  readonly name: string;
  /** 1-based line of the `def`. */
  readonly line: number;
  readonly slow: boolean;
  /** The test compares a generated image with a reference (a golden test). */
  readonly comparesImages: boolean;
  /** First `reference_image_path=` value, as `tests/resources/<name>`. */
  readonly referenceImage?: string;
  readonly outputImage?: string;
  /** Every reference PNG the test names (file names), with 1-based lines. */
  readonly referenceImages: readonly { readonly name: string; readonly line: number }[];
}

const COMPARES = /\b(?:assert_matches_reference_image|check_images_close_enough)\s*\(|\breference_image_path\s*=/;
const REFERENCE_PNG = /["']([\w.-]*reference[\w.-]*\.png)["']/g;

export function parseGoldenTests(rel: string, file: string, text: string): GoldenTestCase[] {
  const lines = text.split(/\r?\n/);
  const masked = maskPython(text);
  const out: GoldenTestCase[] = [];
  let cls: { name: string; indent: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const indent = l.length - l.trimStart().length;
    if (masked[i].trim() && cls && indent <= cls.indent && !l.trimStart().startsWith('@')) cls = undefined;
    const c = /^(\s*)class\s+(Test\w*)\s*[(:]/.exec(l);
    if (c) {
      cls = { name: c[2], indent: c[1].length };
      continue;
    }
    const d = /^(\s*)def\s+(test_\w+)\s*\(/.exec(l);
    if (!d) continue;
    let slow = false;
    for (let k = i - 1; k >= 0 && /^\s*@/.test(lines[k]); k--) if (/@pytest\.mark\.slow\b/.test(lines[k])) slow = true;
    const body: number[] = [];
    for (let k = i + 1; k < lines.length; k++) {
      const ind = lines[k].length - lines[k].trimStart().length;
      if (masked[k].trim() && ind <= d[1].length) break;
      body.push(k);
    }
    const joined = body.map((k) => lines[k]).join('\n');
    const ref = /reference_image_path\s*=\s*["']([^"']+)["']/.exec(joined);
    const outp = /output_image_path\s*=\s*["']([^"']+)["']/.exec(joined);
    const refs = body.flatMap((k) => [...lines[k].matchAll(REFERENCE_PNG)].map((m) => ({ name: m[1], line: k + 1 })));
    const inCls = cls && d[1].length > cls.indent ? cls.name : undefined;
    out.push({
      id: `${rel}::${inCls ? `${inCls}::` : ''}${d[2]}`,
      file,
      cls: inCls,
      name: d[2],
      line: i + 1,
      slow,
      comparesImages: body.some((k) => COMPARES.test(masked[k]) || /reference_image_path\s*=/.test(lines[k])),
      referenceImage: ref ? `tests/resources/${ref[1]}` : undefined,
      outputImage: outp ? `tests/resources/${outp[1]}` : undefined,
      referenceImages: refs,
    });
  }
  return out;
}

const MAX_TEST_FILES = 5000;

/** `test_*.py` files under tests/ (repo-relative, forward slashes), bounded. */
function testFiles(root: string): string[] {
  return walkFiles(join(root, 'tests'), { match: (n) => /^test_\w*\.py$/.test(n), maxFiles: MAX_TEST_FILES, maxDepth: 6 }).map((p) =>
    relative(root, p).split(sep).join('/'),
  );
}

function importsPackage(text: string, model: string): boolean {
  const re = new RegExp(`^\\s*(?:from\\s+mflux\\.models\\.${model}(?:\\.[\\w.]+)?\\s+import\\b|import\\s+mflux\\.models\\.${model}\\b)`);
  return maskPython(text).some((l) => re.test(l));
}

/** Image-comparing tests of the repo, or of one model. */
export function listGoldenTests(root: string, model?: string): GoldenTestCase[] {
  const out: GoldenTestCase[] = [];
  for (const rel of testFiles(root)) {
    const name = rel.split('/').pop()!;
    const named = model
      ? name === `test_generate_image_${model}.py` || name.startsWith(`test_generate_image_${model}_`)
      : name.startsWith('test_generate_image_');
    let text: string;
    try {
      text = readFileSync(join(root, ...rel.split('/')), 'utf8');
    } catch {
      continue;
    }
    if (!named && !(model && importsPackage(text, model))) {
      if (model || !COMPARES.test(text)) continue;
    }
    out.push(...parseGoldenTests(rel, join(root, ...rel.split('/')), text).filter((c) => c.comparesImages));
  }
  return out;
}
