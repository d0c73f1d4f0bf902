// Child processes for git and Python helpers. execa is ESM-only; a dynamic import keeps it
// loadable from the CommonJS bundle and from tests run through tsx.
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: Record<string, string | undefined>;
  readonly input?: string;
  readonly signal?: AbortSignal;
  /** Milliseconds; the child is killed after this. */
  readonly timeout?: number;
}

/** Runs a command without a shell; never throws on a non-zero exit (the caller reads exitCode). */
export async function run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const { execa } = await import('execa');
  try {
    const r = await execa(file, [...args], {
      cwd: options.cwd,
      env: options.env,
      input: options.input,
      cancelSignal: options.signal,
      timeout: options.timeout,
      reject: false,
      stripFinalNewline: true,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.failed && r.exitCode === undefined) {
      return { stdout: String(r.stdout ?? ''), stderr: r.shortMessage ?? `${file} could not be started`, exitCode: -1 };
    }
    return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? -1 };
  } catch (e) {
    return { stdout: '', stderr: e instanceof Error ? e.message : String(e), exitCode: -1 };
  }
}
