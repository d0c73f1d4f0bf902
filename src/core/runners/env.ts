// The environment every run gets, as an EnvPlan for composeCommand.
import type { EnvPlan } from './command';

export type Side = 'ref' | 'mlx';

export interface RunEnvOptions {
  readonly side: Side;
  readonly runId: string;
  /** The folder this side dumps into (MFLUX_PORT_RUN_DIR). */
  readonly runDir: string;
  /** The other side's folder of the same run, when known (the two repos differ, so it is not always a sibling). */
  readonly refDir?: string;
  readonly mlxDir?: string;
  /** The folder holding the `mflux_port_probe` package. */
  readonly probeDir: string;
  /** HF_HUB_OFFLINE=1 on the reference side, so missing weights fail fast instead of downloading. */
  readonly hfHubOffline: boolean;
  /** MFLUX_PORT_MAX_BYTES: the probe's byte cap for this side (setting mfluxPort.runner.maxCaptureBytes). */
  readonly maxCaptureBytes?: string;
  /** MFLUX_PORT_CAPTURE_INCLUDE: Capture Inside's module subtree. */
  readonly captureInclude?: string;
  /**
   * MFLUX_PORT_VARIANT: `floor` runs the reference again with one numeric change (the generated
   * reference runner switches bfloat16 to float32), for `compare --noise-floor`. Reference side only.
   */
  readonly variant?: 'floor';
}

export function runEnv(o: RunEnvOptions): EnvPlan {
  const set: Array<[string, string]> = [
    ['MFLUX_PORT_RUN_DIR', o.runDir],
    ['MFLUX_PORT_SIDE', o.side],
    ['MFLUX_PORT_RUN_ID', o.runId],
  ];
  if (o.refDir) set.push(['MFLUX_PORT_REF_DIR', o.refDir]);
  if (o.mlxDir) set.push(['MFLUX_PORT_MLX_DIR', o.mlxDir]);
  if (o.maxCaptureBytes) set.push(['MFLUX_PORT_MAX_BYTES', o.maxCaptureBytes]);
  if (o.captureInclude) set.push(['MFLUX_PORT_CAPTURE_INCLUDE', o.captureInclude]);
  if (o.variant) {
    if (o.side !== 'ref') throw new Error(`MFLUX_PORT_VARIANT=${o.variant} is a reference run; the ${o.side} side has no variant`);
    set.push(['MFLUX_PORT_VARIANT', o.variant]);
  }
  set.push(['PYTHONUNBUFFERED', '1']);
  if (o.side === 'ref' && o.hfHubOffline) set.push(['HF_HUB_OFFLINE', '1']);
  return { set, prependPythonPath: o.probeDir };
}

/** The same environment applied to a process environment (for spawning without a terminal). */
export function applyEnv(plan: EnvPlan, base: NodeJS.ProcessEnv, pathSeparator = ':'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const [k, v] of plan.set) env[k] = v;
  if (plan.prependPythonPath !== undefined) {
    env.PYTHONPATH = base.PYTHONPATH ? `${plan.prependPythonPath}${pathSeparator}${base.PYTHONPATH}` : plan.prependPythonPath;
  }
  return env;
}

/** Why MLX probably cannot run on this machine, or undefined on Apple Silicon. */
export function mlxPlatformProblem(platform: string, arch: string): string | undefined {
  if (platform === 'darwin' && arch === 'arm64') return undefined;
  const where = platform === 'darwin' ? 'an Intel Mac' : `${platform}/${arch}`;
  return `MLX needs Apple Silicon (macOS on arm64); this is ${where}.`;
}
