// One named terminal per side, reused across runs. A command goes through shell integration
// when it comes up (so the exit code is known), else through sendText after a timeout.
import * as vscode from 'vscode';
import { OutputTail, type Side } from '../../core/runners';

export interface ExecResult {
  /** undefined: unknown (no shell integration, or the shell did not report it). */
  readonly exitCode: number | undefined;
  readonly integrated: boolean;
  readonly stopped: boolean;
  readonly closed: boolean;
  /** The last lines the command printed (shell integration's output stream), escapes removed. */
  readonly output: readonly string[];
}

const NAMES: Record<Side | 'test', string> = { ref: 'mflux Port: Reference', mlx: 'mflux Port: MLX', test: 'mflux Port: Test' };

/** Quiet time after the last shell-integration event before sending: the event can fire more than once while the shell starts. */
const SETTLE_MS = 1000;
/** How long Stop Run waits for the end event after Ctrl+C before giving up on it. */
const STOP_GRACE_MS = 5000;
/** How long the output stream may lag behind the end event. */
const READ_GRACE_MS = 2000;

class SideTerminal {
  terminal?: vscode.Terminal;
  running = false;
  stopped = false;
  private cancel?: () => void;
  /** Ends a run whose end event never arrives (a shell whose integration broke mid-command). */
  private giveUp?: () => void;

  constructor(readonly name: string) {}

  private ensure(cwd: string): vscode.Terminal {
    if (this.terminal && this.terminal.exitStatus === undefined) return this.terminal;
    this.terminal =
      vscode.window.terminals.find((t) => t.name === this.name && t.exitStatus === undefined) ??
      vscode.window.createTerminal({ name: this.name, cwd, iconPath: new vscode.ThemeIcon('beaker') });
    return this.terminal;
  }

  async run(line: string, cwd: string, timeoutSeconds: number): Promise<ExecResult> {
    if (this.running) throw new Error(`${this.name} is still running a command; stop it first (mflux Port: Stop Run).`);
    this.running = true;
    this.stopped = false;
    try {
      const term = this.ensure(cwd);
      term.show(true);
      const integration = await this.waitForIntegration(term, timeoutSeconds * 1000);
      if (this.stopped) return { exitCode: undefined, integrated: !!integration, stopped: true, closed: false, output: [] };
      if (term.exitStatus !== undefined) return { exitCode: undefined, integrated: false, stopped: false, closed: true, output: [] };
      if (!integration) {
        term.sendText(line, true);
        return { exitCode: undefined, integrated: false, stopped: false, closed: false, output: [] };
      }
      return await this.execute(term, integration, line);
    } finally {
      this.running = false;
      this.cancel = undefined;
    }
  }

  private waitForIntegration(term: vscode.Terminal, timeoutMs: number): Promise<vscode.TerminalShellIntegration | undefined> {
    return new Promise((resolve) => {
      let settle: NodeJS.Timeout | undefined;
      const done = (value: vscode.TerminalShellIntegration | undefined) => {
        clearTimeout(timer);
        clearTimeout(settle);
        sub.dispose();
        closed.dispose();
        resolve(value);
      };
      const timer = setTimeout(() => done(term.shellIntegration), timeoutMs);
      const arm = () => {
        clearTimeout(settle);
        settle = setTimeout(() => done(term.shellIntegration), SETTLE_MS);
      };
      const sub = vscode.window.onDidChangeTerminalShellIntegration((e) => {
        if (e.terminal === term) arm();
      });
      const closed = vscode.window.onDidCloseTerminal((t) => {
        if (t === term) done(undefined);
      });
      if (term.shellIntegration) arm();
    });
  }

  private execute(term: vscode.Terminal, integration: vscode.TerminalShellIntegration, line: string): Promise<ExecResult> {
    const tail = new OutputTail();
    let reading: Promise<void> = Promise.resolve();
    const ran = new Promise<Omit<ExecResult, 'output'>>((resolve) => {
      const sent: { execution?: vscode.TerminalShellExecution } = {};
      const finish = (r: Omit<ExecResult, 'output'>) => {
        ended.dispose();
        closed.dispose();
        this.giveUp = undefined;
        resolve(r);
      };
      this.giveUp = () => finish({ exitCode: undefined, integrated: true, stopped: true, closed: false });
      // Subscribe before sending; match the end event to this very execution.
      const ended = vscode.window.onDidEndTerminalShellExecution((e) => {
        if (sent.execution && e.execution === sent.execution)
          finish({ exitCode: e.exitCode, integrated: true, stopped: this.stopped, closed: false });
      });
      const closed = vscode.window.onDidCloseTerminal((t) => {
        if (t === term) finish({ exitCode: t.exitStatus?.code, integrated: true, stopped: this.stopped, closed: true });
      });
      this.cancel = () => term.sendText('\u0003', false);
      try {
        sent.execution = integration.executeCommand(line);
        // Read the output from the start (the stream only has what comes after read()).
        const stream = sent.execution.read();
        reading = (async () => {
          for await (const chunk of stream) tail.push(chunk);
        })().catch(() => undefined);
      } catch {
        // the terminal went away between the integration event and now: say so, never hang
        finish({ exitCode: undefined, integrated: true, stopped: false, closed: true });
      }
    });
    return ran.then(async (r) => {
      // The stream ends with the execution; wait a little for its last chunks, never for good.
      await Promise.race([reading, new Promise((done) => setTimeout(done, READ_GRACE_MS))]);
      return { ...r, output: tail.result() };
    });
  }

  stop(): boolean {
    if (!this.running || !this.terminal) return false;
    this.stopped = true;
    (this.cancel ?? (() => this.terminal?.sendText('\u0003', false)))();
    // If the shell never reports the end (its integration broke), stop waiting after a while
    // so the side is not blocked for good.
    const giveUp = this.giveUp;
    if (giveUp)
      setTimeout(() => {
        if (this.giveUp === giveUp) giveUp();
      }, STOP_GRACE_MS);
    return true;
  }

  reveal(): void {
    this.terminal?.show(false);
  }
}

export class RunnerTerminals implements vscode.Disposable {
  private readonly sides = new Map<string, SideTerminal>();

  get(which: Side | 'test'): SideTerminal {
    let t = this.sides.get(which);
    if (!t) this.sides.set(which, (t = new SideTerminal(NAMES[which])));
    return t;
  }

  /** Sends Ctrl+C to every runner terminal with a command in flight; returns how many. */
  stopAll(): number {
    let n = 0;
    for (const t of this.sides.values()) if (t.stop()) n++;
    return n;
  }

  isRunning(): boolean {
    return [...this.sides.values()].some((t) => t.running);
  }

  dispose(): void {
    this.sides.clear();
  }
}
