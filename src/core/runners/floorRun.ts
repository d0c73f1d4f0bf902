// Compare with Noise Floor…: which earlier reference runs can be the noise floor of a reference
// run, and what to say when there is none (the caller then offers to start the noise-floor run,
// Run Reference (noise floor): MFLUX_PORT_VARIANT=floor, the pipeline in float32).
import { basename, dirname, join } from 'node:path';
import { compareRunIds, RUN_ID, type RunEntry } from './runs';

/** The repo and run id of a path inside `<repo>/debug_artifacts/<run id>/ref` (the folder or a file in it). */
export function referenceRunOf(path: string): { readonly repo: string; readonly runId: string } | undefined {
  for (let p = path; dirname(p) !== p; p = dirname(p)) {
    const run = dirname(p);
    const artifacts = dirname(run);
    if (basename(p) === 'ref' && RUN_ID.test(basename(run)) && basename(artifacts) === 'debug_artifacts')
      return { repo: dirname(artifacts), runId: basename(run) };
  }
  return undefined;
}

export interface FloorOption {
  /** The other run's reference folder. */
  readonly dir: string;
  readonly runId: string;
  /** Made by Run Reference (noise floor) (its run.json sets MFLUX_PORT_VARIANT=floor). */
  readonly floor: boolean;
}

export type FloorChoice =
  /** The reference is not a run folder: any folder may be the floor. */
  | { readonly kind: 'browse' }
  /** Other reference runs that passed: noise-floor runs first, then the newest. */
  | { readonly kind: 'pick'; readonly options: readonly FloorOption[] }
  /** No other reference run that passed: offer to start the noise-floor run. */
  | { readonly kind: 'offerRun'; readonly message: string };

/** run.json is only shape-checked on read: a hand-edited one may lack env. */
function floorEnv(r: RunEntry): boolean {
  const env: unknown = r.sides.ref?.env;
  return typeof env === 'object' && env !== null && (env as Record<string, unknown>).MFLUX_PORT_VARIANT === 'floor';
}

/** `runs`: listRuns() of the reference's repo, undefined when the reference is not in a run folder. */
export function floorChoice(refPath: string, runs: readonly RunEntry[] | undefined): FloorChoice {
  const at = referenceRunOf(refPath);
  if (!at || !runs) return { kind: 'browse' };
  const options: FloorOption[] = runs
    .filter((r) => r.runId !== at.runId && r.sides.ref?.status === 'passed')
    .map((r) => ({ dir: join(r.dir, 'ref'), runId: r.runId, floor: floorEnv(r) }))
    .sort((a, b) => Number(b.floor) - Number(a.floor) || compareRunIds(b.runId, a.runId));
  if (options.length) return { kind: 'pick', options };
  const others = runs.filter((r) => r.runId !== at.runId && r.sides.ref !== undefined).length;
  return {
    kind: 'offerRun',
    message:
      `no other reference run to measure the noise floor with: besides ${at.runId}, ${join(at.repo, 'debug_artifacts')} has ` +
      `${others ? `${others} reference run${others === 1 ? '' : 's'}, none of which passed` : 'no reference run'}. ` +
      'Run Reference (noise floor) runs it again with MFLUX_PORT_VARIANT=floor (the generated runner loads the pipeline in float32) in a new run folder; then Compare with Noise Floor again.',
  };
}
