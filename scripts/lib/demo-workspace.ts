// What `npm run demo` opens: a fake mflux checkout next to a diffusers checkout, with a port in
// progress. Built from a list of steps so each feature can add what shows it off (tensor dumps,
// a parity report, ...): append a `DemoStep` to DEMO_STEPS. Steps run in order on a fresh folder.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { halfWired, makeWorkspace, writePortState, type Workspace } from '../../test/fixtures/workspace';
import { runnersDemoStep } from './demo-runners';
import { panelsDemoStep } from './demo-panels';

export interface DemoStep {
  /** Printed while the demo builds, e.g. "sample port z_image". */
  readonly title: string;
  run(ws: Workspace): void | Promise<void>;
}

/** The port in progress that the demo shows. */
export const DEMO_MODEL = 'z_image';

export const DEMO_STEPS: DemoStep[] = [
  {
    title: `sample port ${DEMO_MODEL}: scope done, package skeleton and weights in progress`,
    run(ws) {
      writePortState(ws.mflux, {
        model: DEMO_MODEL,
        reference: 'Tongyi-MAI/Z-Image-Turbo',
        referenceRepo: '../diffusers',
        notes: 'Z-Image Turbo, 6B single-stream DiT. Reference: diffusers ZImagePipeline, 8 steps, guidance 0.',
        createdAt: '2026-01-05T09:00:00.000Z',
        items: {
          'scope.targets': {
            status: 'done',
            note: 'Final image within the golden-test rule at 1024², 8 steps; peak memory under 24 GB in bf16.',
            changedAt: '2026-01-05T09:30:00.000Z',
          },
          'scope.tolerances': {
            status: 'done',
            note: 'fp32 atol=rtol=1e-5 for VAE and scheduler; bf16 transformer at 1e-2.',
            changedAt: '2026-01-05T09:40:00.000Z',
          },
          'scope.referenceFiles': {
            status: 'done',
            note: 'pipeline_z_image.py and transformer_z_image.py in ../diffusers.',
            changedAt: '2026-01-05T10:05:00.000Z',
            evidence: [{ kind: 'file', target: '../diffusers/src/diffusers/pipelines/z_image/pipeline_z_image.py' }],
          },
          'scope.checkpoints': {
            status: 'done',
            note: 'Tongyi-MAI/Z-Image-Turbo pinned; cached locally.',
            changedAt: '2026-01-05T10:20:00.000Z',
          },
          'scope.plan': {
            status: 'in_progress',
            note: 'Risk: the 3D RoPE and the single-stream blocks.',
            changedAt: '2026-01-05T10:45:00.000Z',
          },
          'fast.studyRecentPort': {
            status: 'done',
            note: 'Following flux2 for the weights and initializer layout.',
            changedAt: '2026-01-05T11:00:00.000Z',
          },
          'fast.skeleton': {
            status: 'done',
            changedAt: '2026-01-05T11:30:00.000Z',
            evidence: [{ kind: 'file', target: 'src/mflux/models/z_image/z_image_initializer.py' }],
          },
          'fast.weightDefinition': {
            status: 'in_progress',
            note: 'Transformer and VAE listed; the text encoder is still missing.',
            changedAt: '2026-01-05T12:10:00.000Z',
          },
        },
      });
    },
  },
  runnersDemoStep,
  panelsDemoStep,
];

/**
 * Builds the demo under `root` (deleted first: it holds nothing but what this builds) and
 * returns the workspace. `log` receives one line per step.
 */
export async function buildDemoWorkspace(root: string, log: (line: string) => void = () => undefined): Promise<Workspace> {
  root = resolve(root);
  rmSync(root, { recursive: true, force: true });
  log('mflux checkout (flux2 complete, z_image half wired) and a diffusers sibling');
  const ws = makeWorkspace(root, {
    models: ['flux2', halfWired(DEMO_MODEL, 'Tongyi-MAI/Z-Image-Turbo')],
    pipelines: ['flux2', 'z_image', 'qwenimage'],
  });
  for (const step of DEMO_STEPS) {
    log(step.title);
    await step.run(ws);
  }
  return ws;
}
