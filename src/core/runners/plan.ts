// Everything about one side of a run that does not need VS Code: folders, argv, the terminal
// line and the run.json records at start and end.
import { isAbsolute, join, relative } from 'node:path';
import { composeCommand, expandTemplate } from './command';
import { runEnv, type Side } from './env';
import { quoteArg, shellKind, type ShellKind } from './quote';
import { sideDir, statusFor, type RepoState, type RunRecord } from './runs';

export interface RunSettings {
  readonly template: string;
  readonly uv: string;
  readonly python: string;
  readonly hfHubOffline: boolean;
  readonly probeDir: string;
  /** The user's terminal shell (its path decides the quoting). */
  readonly shell: string;
  readonly maxCaptureBytes?: string;
  readonly captureInclude?: string;
  /** MFLUX_PORT_VARIANT (`floor`: the noise-floor reference run; recorded in run.json's env). */
  readonly variant?: 'floor';
}

export interface SideRequest {
  readonly side: Side;
  readonly runId: string;
  readonly model: string;
  /** The repo this side runs in (reference clone or mflux). */
  readonly repo: string;
  /** The runner script (absolute). */
  readonly script: string;
  /** The other side's folder, when known (MFLUX_PORT_REF_DIR / MFLUX_PORT_MLX_DIR). */
  readonly otherDir?: string;
}

export interface SidePlan {
  readonly side: Side;
  readonly runId: string;
  readonly cwd: string;
  readonly runDir: string;
  readonly argv: readonly string[];
  /** What is typed into the terminal: the command, or a short line that sources `commandFile`. */
  readonly line: string;
  /** The whole command line (kept in run.json). */
  readonly command: string;
  /** Written before typing `line` when the command is too long to type (see MAX_TYPED_LINE). */
  readonly commandFile?: { readonly path: string; readonly text: string };
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Longer lines are not typed: a terminal's line editor cuts them (dash at 4095 bytes, the tty's
 * canonical limit), so the command goes into a script in the run folder that a short line sources.
 */
const MAX_TYPED_LINE = 4000;

/** A short line that runs `command` from a file (sourced, so `cd` and the exit code are as if typed). */
export function viaFile(command: string, dir: string, kind: ShellKind): { line: string; commandFile?: { path: string; text: string } } {
  if (Buffer.byteLength(command) <= MAX_TYPED_LINE) return { line: command };
  const path = join(dir, kind === 'pwsh' ? 'command.ps1' : kind === 'fish' ? 'command.fish' : 'command.sh');
  return { line: `${kind === 'fish' ? 'source' : '.'} ${quoteArg(path, kind)}`, commandFile: { path, text: `${command}\n` } };
}

export function planSide(req: SideRequest, s: RunSettings): SidePlan {
  const runDir = sideDir(req.repo, req.runId, req.side);
  // Scripts inside the repo are passed relative to it, which keeps the terminal line short.
  const rel = relative(req.repo, req.script);
  const script = !rel.startsWith('..') && !isAbsolute(rel) ? rel : req.script;
  const argv = expandTemplate(s.template, { script, runDir, port: req.model, python: s.python, uv: s.uv });
  const env = runEnv({
    side: req.side,
    runId: req.runId,
    runDir,
    refDir: req.side === 'mlx' ? req.otherDir : undefined,
    mlxDir: req.side === 'ref' ? req.otherDir : undefined,
    probeDir: s.probeDir,
    hfHubOffline: s.hfHubOffline,
    maxCaptureBytes: s.maxCaptureBytes,
    captureInclude: s.captureInclude,
    variant: s.variant,
  });
  const kind = shellKind(s.shell);
  const command = composeCommand({ cwd: req.repo, env, argv }, kind);
  const envRecord: Record<string, string> = Object.fromEntries(env.set);
  envRecord.PYTHONPATH = `${s.probeDir} (prepended)`;
  return { side: req.side, runId: req.runId, cwd: req.repo, runDir, argv, command, ...viaFile(command, runDir, kind), env: envRecord };
}

/** The test command: `MFLUX_PRESERVE_TEST_OUTPUT=1 uv run python -m pytest <test>` in mflux. */
export function planDeterministicTest(mfluxRepo: string, testPath: string, s: RunSettings): { line: string; argv: string[] } {
  const argv = [s.uv || 'uv', 'run', 'python', '-m', 'pytest', testPath];
  const env = {
    set: [
      ['MFLUX_PRESERVE_TEST_OUTPUT', '1'],
      ['PYTHONUNBUFFERED', '1'],
    ] as Array<[string, string]>,
  };
  return { argv, line: composeCommand({ cwd: mfluxRepo, env, argv }, shellKind(s.shell)) };
}

export function startRecord(
  plan: SidePlan,
  extra: { model: string; shell: string; repos: readonly RepoState[]; platform: RunRecord['platform']; pairedWith?: string },
  now = new Date(),
): RunRecord {
  return {
    version: 1,
    runId: plan.runId,
    side: plan.side,
    port: extra.model,
    command: plan.command,
    argv: plan.argv,
    cwd: plan.cwd,
    shell: extra.shell,
    env: plan.env,
    repos: extra.repos,
    platform: extra.platform,
    start: now.toISOString(),
    end: null,
    exitCode: null,
    status: 'running',
    ...(extra.pairedWith ? { pairedWith: extra.pairedWith } : {}),
  };
}

export function endRecord(rec: RunRecord, exitCode: number | undefined, stopped: boolean, now = new Date()): RunRecord {
  return { ...rec, end: now.toISOString(), exitCode: exitCode ?? null, status: stopped ? 'stopped' : statusFor(exitCode) };
}

/** A short human description of how a side ended, for notifications. */
export function describeEnd(side: Side, exitCode: number | undefined, stopped: boolean): string {
  const who = side === 'ref' ? 'Reference' : 'MLX';
  if (stopped) return `${who} run stopped${exitCode !== undefined ? ` (exit code ${exitCode})` : ''}.`;
  if (exitCode === undefined) return `${who} run sent to the terminal without shell integration: its exit code is unknown.`;
  return exitCode === 0 ? `${who} run passed (exit code 0).` : `${who} run failed with exit code ${exitCode}.`;
}

export const sideLabel = (side: Side) => (side === 'ref' ? 'Reference' : 'MLX');
