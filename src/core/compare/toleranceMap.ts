// Tolerance edits made in the parity report panel, kept as a `--map` file in the workspace's
// `.mflux-port/` so every later comparison (the panel, Run Both, exports, and
// `mflux-port compare --map`) uses them. Only `tensors` entries are written; rename rules and
// pattern tolerances the user wrote by hand are kept as they are.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from './outputs';
import { readCompareMap } from './mapFile';
import type { CompareMap, ToleranceOverride } from './types';

const TOLERANCE_MAP_FILE = 'compare-map.json';

export function toleranceMapPath(workspaceRoot: string): string {
  return join(workspaceRoot, '.mflux-port', TOLERANCE_MAP_FILE);
}

/** The map, or undefined when there is none. A broken file throws a one-line error naming it. */
export function readToleranceMap(file: string): CompareMap | undefined {
  return existsSync(file) ? readCompareMap(file) : undefined;
}

/** Sets one tensor's tolerance in the map file (created when missing) and returns the new map. */
export function saveTensorTolerance(file: string, name: string, tolerance: ToleranceOverride): CompareMap {
  // A broken file is never overwritten: readCompareMap throws first.
  const current = readToleranceMap(file) ?? {};
  const next: CompareMap = { ...current, tensors: { ...(current.tensors ?? {}), [name]: { atol: tolerance.atol, rtol: tolerance.rtol } } };
  writeAtomic(file, JSON.stringify(next, null, 2) + '\n');
  return next;
}
