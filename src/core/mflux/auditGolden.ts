// The golden-test surfaces of the finalize audit: a slow test that compares an image with a
// reference (found by content, see goldenTestList.ts) and the reference PNGs it names.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CheckResult, Evidence } from '../checks';
import { listGoldenTests } from './goldenTestList';
import { ownsNameRule } from './modelConfig';

const pass = (reason: string, evidence: Evidence[]): CheckResult => ({ status: 'pass', reason, evidence });
const fail = (reason: string, evidence: Evidence[] = []): CheckResult => ({ status: 'fail', reason, evidence });

export function goldenSurfaces(root: string, model: string): { 'golden-test': CheckResult; 'reference-image': CheckResult } {
  const results: { 'golden-test'?: CheckResult; 'reference-image'?: CheckResult } = {};
  const golden = listGoldenTests(root, model);
  const expectedTest = join(root, 'tests', 'image_generation', `test_generate_image_${model}.py`);
  const slowTests = golden.filter((g) => g.slow);
  if (!golden.length)
    results['golden-test'] = fail(`no golden test: no test compares an image for ${model} (expected ${relative(root, expectedTest)})`, [
      { file: expectedTest },
    ]);
  else if (!slowTests.length)
    results['golden-test'] = fail(
      'the golden tests have no @pytest.mark.slow test function',
      golden.map((g) => ({ file: g.file, line: g.line })),
    );
  else
    results['golden-test'] = pass(
      `${slowTests.length} slow golden test(s)`,
      slowTests.map((g) => ({ file: g.file, line: g.line, text: g.name })),
    );

  const resources = join(root, 'tests', 'resources');
  const refs = golden.flatMap((g) => g.referenceImages.map((r) => ({ ...r, file: g.file })));
  const uniq = [...new Map(refs.map((r) => [r.name, r])).values()];
  if (uniq.length) {
    const missing = uniq.filter((r) => !existsSync(join(resources, r.name)));
    results['reference-image'] = missing.length
      ? fail(
          `reference image ${missing.map((m) => m.name).join(', ')} not found in tests/resources/`,
          missing.map((m) => ({ file: m.file, line: m.line, text: m.name })),
        )
      : pass(
          `${uniq.length} reference image(s) present`,
          uniq.map((r) => ({ file: join(resources, r.name) })),
        );
  } else {
    let found: string[] = [];
    try {
      // reference_flux2_*.png belongs to flux2, not to flux: the longest package name owns it.
      const owns = ownsNameRule(root, model);
      found = readdirSync(resources).filter(
        (x) =>
          x.startsWith(`reference_${model}`) &&
          x.endsWith('.png') &&
          owns(x.slice('reference_'.length, -'.png'.length)) &&
          statSync(join(resources, x)).isFile(),
      );
    } catch {
      /* no folder */
    }
    results['reference-image'] = found.length
      ? pass(
          `reference image ${found[0]} present (no golden test names it yet)`,
          found.map((x) => ({ file: join(resources, x) })),
        )
      : fail(`no reference image: tests/resources/reference_${model}.png does not exist`, [
          { file: join(resources, `reference_${model}.png`) },
        ]);
  }

  return { 'golden-test': results['golden-test']!, 'reference-image': results['reference-image']! };
}
