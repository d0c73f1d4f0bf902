// The runner commands: translate palette invocations into core calls and terminal runs.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { release } from 'node:os';
import {
  createRun,
  TAIL_FILE,
  describeEnd,
  discardEmptySide,
  endRecord,
  ensureExcluded,
  latestPassed,
  planSide,
  repoState,
  scriptPath,
  sideDir,
  sideLabel,
  startRecord,
  writeRunRecord,
  type RepoState,
  type CaptureInsideTarget,
  type Side,
} from '../../core/runners';
import type { Port } from '../../core/checklist/port';
import { mlxPlatformOk, readConfig, runSettings } from './settings';
import { runGoldenTest } from './goldenTest';
import { chooseCaptureInside } from './captureInside';
import { RunnerTerminals } from './terminals';
import { openParityReport } from './report';
import { compareRuns, dumpCount, openRunFolder, pruneRepos } from './runFolders';
import { insertDump, newRunnerPair } from './scripts';
import { FilePreviews } from './preview';
import { PortChooser } from './ports';
import { reportFailure } from './failure';
import { compareWithPreviousRun, recordComparison } from './history';
import type { ChecklistApi } from '../deps';

const LAST_RUN_KEY = 'mfluxPort.runner.lastRun';

export class RunnerCommands implements vscode.Disposable {
  private readonly terminals = new RunnerTerminals();
  private readonly previews = new FilePreviews();
  private last?: { sides: Side[]; port: Port };
  private readonly active = new Set<string>();
  private readonly chooser: PortChooser;
  private readonly probeDir: string;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly checklist?: ChecklistApi,
  ) {
    this.chooser = new PortChooser(context, checklist);
    this.probeDir = context.asAbsolutePath('python');
  }

  register(): vscode.Disposable[] {
    const trusted =
      (fn: (arg?: unknown) => Promise<unknown>) =>
      async (arg?: unknown): Promise<void> => {
        if (!vscode.workspace.isTrusted) {
          const manage = 'Manage Workspace Trust';
          const pick = await vscode.window.showErrorMessage(
            'mflux Port: runners are disabled in Restricted Mode, because they execute scripts from this workspace. Trust the workspace to run them.',
            manage,
          );
          if (pick === manage) await vscode.commands.executeCommand('workbench.trust.manage');
          return;
        }
        await this.safely(() => fn(arg));
      };
    const plain = (fn: (arg?: unknown) => Promise<unknown>) => (arg?: unknown) => this.safely(() => fn(arg));
    const table: [string, (arg?: unknown) => Promise<void>][] = [
      ['mfluxPort.runReference', trusted((a) => this.run(['ref'], a))],
      ['mfluxPort.runReferenceFloor', trusted((a) => this.run(['ref'], a, undefined, 'floor'))],
      ['mfluxPort.runMlx', trusted((a) => this.run(['mlx'], a))],
      ['mfluxPort.runBoth', trusted((a) => this.run(['ref', 'mlx'], a))],
      ['mfluxPort.rerunLast', trusted(() => this.rerunLast())],
      ['mfluxPort.runDeterministicTest', trusted((a) => runGoldenTest(this.chooser, this.terminals, this.probeDir, a))],
      ['mfluxPort.stopRun', plain(() => this.stop())],
      ['mfluxPort.openRunFolder', plain(async () => openRunFolder(await this.repos()))],
      ['mfluxPort.compareRuns', plain(async () => compareRuns(await this.repos()))],
      ['mfluxPort.captureInside', trusted((a) => this.captureInside(a))],
      ['mfluxPort.compareWithPreviousRun', plain(() => this.compareWithPrevious())],
      ['mfluxPort.pruneRuns', plain(() => this.prune(true))],
      ['mfluxPort.newRunnerPair', plain((a) => this.newRunnerPair(a))],
      ['mfluxPort.insertDump', plain(() => insertDump())],
    ];
    return [...table.map(([id, fn]) => vscode.commands.registerCommand(id, fn)), this];
  }

  dispose(): void {
    this.terminals.dispose();
    this.previews.dispose();
  }

  private async safely(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      void vscode.window.showErrorMessage(`mflux Port: ${(e as Error).message ?? String(e)}`);
    }
  }

  // ---- runs -------------------------------------------------------------------------------

  /** `include`: Capture Inside's module per side (MFLUX_PORT_CAPTURE_INCLUDE). */
  /** `variant`: `floor` is the noise-floor reference run (MFLUX_PORT_VARIANT=floor, its own run folder). */
  private async run(sides: Side[], given?: Port | unknown, include?: CaptureInsideTarget, variant?: 'floor'): Promise<void> {
    const port = await this.chooser.resolvePort(given);
    if (!port) return;
    const cfg = readConfig(vscode.Uri.file(port.mfluxRepo));
    if (sides.includes('mlx') && !(await mlxPlatformOk(cfg))) return;
    const refRepo = sides.includes('ref') ? await this.chooser.referenceRepo(port) : port.referenceRepo;
    if (sides.includes('ref') && !refRepo) return;
    const repoOf = (side: Side) => (side === 'ref' ? refRepo! : port.mfluxRepo);
    const scriptOf = (side: Side) => scriptPath(repoOf(side), side === 'ref' ? cfg.referenceScript : cfg.mlxScript, port.model);
    for (const side of sides) {
      if (!existsSync(scriptOf(side))) {
        const create = 'New Runner Pair';
        const pick = await vscode.window.showErrorMessage(
          `mflux Port: the ${sideLabel(side)} runner ${scriptOf(side)} does not exist.`,
          create,
        );
        if (pick === create) await this.newRunnerPair(port);
        return;
      }
    }
    const settings = { ...(await runSettings(cfg, port, this.probeDir)), variant };
    // Validate the template and quoting before anything is created on disk.
    for (const side of sides) planSide({ side, runId: 'check', model: port.model, repo: repoOf(side), script: scriptOf(side) }, settings);

    // An MLX run on its own is compared with the newest reference run that passed.
    const pairedRef = !sides.includes('ref') && refRepo ? (await latestPassed(refRepo, 'ref'))?.dir : undefined;
    const runId = await createRun(sides.map((side) => ({ repo: repoOf(side), side })));
    const dirs: Partial<Record<Side, string>> = { ref: pairedRef };
    for (const side of sides) dirs[side] = sideDir(repoOf(side), runId, side);
    this.last = { sides, port };
    // Kept across reloads: Re-run Last finds the port again by its repo and model.
    await this.context.workspaceState.update(LAST_RUN_KEY, { sides, model: port.model, mfluxRepo: port.mfluxRepo });
    this.active.add(runId);
    const started = new Set<Side>();
    try {
      const repos = [...new Set(sides.map(repoOf).concat(port.mfluxRepo))];
      await Promise.all(repos.map((r) => ensureExcluded(r).catch(() => undefined)));
      const states: RepoState[] = await Promise.all([
        ...(refRepo ? [repoState('reference', refRepo)] : []),
        repoState('mflux', port.mfluxRepo),
      ]);
      for (const side of sides) {
        const plan = planSide(
          { side, runId, model: port.model, repo: repoOf(side), script: scriptOf(side), otherDir: side === 'ref' ? dirs.mlx : dirs.ref },
          include ? { ...settings, captureInclude: include[side] } : settings,
        );
        let record = startRecord(plan, {
          model: port.model,
          shell: settings.shell,
          repos: states,
          platform: { os: process.platform, arch: process.arch, release: release() },
          pairedWith: side === 'mlx' ? dirs.ref : undefined,
        });
        await writeRunRecord(plan.runDir, record);
        if (plan.commandFile) await writeFile(plan.commandFile.path, plan.commandFile.text, { mode: 0o600 });
        started.add(side);
        const result = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Window, title: `mflux Port: ${sideLabel(side)} run ${runId}` },
          () => this.terminals.get(side).run(plan.line, plan.cwd, cfg.shellIntegrationTimeout),
        );
        record = endRecord(record, result.exitCode, result.stopped);
        if (result.output.length) {
          await writeFile(join(plan.runDir, TAIL_FILE), result.output.join('\n') + '\n');
          record = { ...record, outputTail: TAIL_FILE };
        }
        await writeRunRecord(plan.runDir, record);
        const text = describeEnd(side, result.exitCode, result.stopped);
        if (!result.integrated) {
          const rest = sides.length > 1 && side !== sides[sides.length - 1] ? ' Run MLX yourself once it has finished.' : '';
          void vscode.window.showWarningMessage(`mflux Port: ${text}${rest}`);
          return;
        }
        if (result.stopped) {
          void vscode.window.showWarningMessage(`mflux Port: ${text}`);
          return;
        }
        if (result.exitCode !== 0) {
          this.terminals.get(side).reveal();
          void reportFailure({
            side,
            runId,
            exitCode: result.exitCode,
            runDir: plan.runDir,
            otherDir: side === 'mlx' ? dirs.ref : undefined,
            tail: result.output,
            mlxNotStarted: sides.length > 1 && side === 'ref',
          });
          return;
        }
      }
      if (dirs.mlx && dirs.ref) {
        const lead = include
          ? `Captured inside ${include.ref === include.mlx ? include.ref : `${include.ref} / ${include.mlx}`}.`
          : undefined;
        const report = await openParityReport(dirs.ref, dirs.mlx, lead);
        if (report) await recordComparison(port, dirs.mlx, report, this.checklist).catch(() => undefined);
      } else if (dirs.mlx)
        void vscode.window.showInformationMessage(
          `mflux Port: MLX run ${runId} passed. No passed reference run to compare with yet: run the reference side.`,
        );
      else
        void vscode.window.showInformationMessage(
          `mflux Port: Reference run ${runId} passed (${dumpCount(dirs.ref!)} tensors dumped). Run MLX to compare.`,
        );
    } finally {
      for (const side of sides) if (!started.has(side)) await discardEmptySide(repoOf(side), runId, side);
      this.active.delete(runId);
      await this.prune(false, port).catch(() => undefined);
    }
  }

  private async captureInside(arg?: unknown): Promise<void> {
    const chosen = await chooseCaptureInside(this.chooser, arg);
    if (chosen) await this.run(['ref', 'mlx'], chosen.port, chosen.target);
  }

  private async compareWithPrevious(): Promise<void> {
    const port = await this.chooser.pickPort();
    if (port) await compareWithPreviousRun(port);
  }

  private async rerunLast(): Promise<void> {
    if (!this.last) {
      const saved = this.context.workspaceState.get<{ sides: Side[]; model: string; mfluxRepo: string }>(LAST_RUN_KEY);
      const port = saved && (await this.chooser.ports()).find((p) => p.model === saved.model && p.mfluxRepo === saved.mfluxRepo);
      if (saved && port) this.last = { sides: saved.sides, port };
    }
    if (!this.last) {
      void vscode.window.showInformationMessage('mflux Port: nothing has run in this window yet. Use Run Reference, Run MLX or Run Both.');
      return;
    }
    // The port file may have changed since (e.g. a new reference repo): read it again.
    const fresh = (await this.chooser.ports()).find((p) => p.model === this.last!.port.model && p.mfluxRepo === this.last!.port.mfluxRepo);
    await this.run(this.last.sides, fresh ?? this.last.port);
  }

  private async stop(): Promise<void> {
    const n = this.terminals.stopAll();
    if (n === 0) void vscode.window.showInformationMessage('mflux Port: no run is in progress.');
  }

  // ---- run folders ------------------------------------------------------------------------

  private async repos(): Promise<string[]> {
    const set = new Set<string>();
    for (const p of await this.chooser.ports()) {
      set.add(p.mfluxRepo);
      if (p.referenceRepo && existsSync(p.referenceRepo)) set.add(p.referenceRepo);
    }
    return [...set];
  }

  /** Keeps the newest keepRuns runs per repo. Interactive: asks first and reports; automatic: silent. */
  private async prune(interactive: boolean, only?: Port): Promise<void> {
    const repos = only ? [only.mfluxRepo, ...(only.referenceRepo ? [only.referenceRepo] : [])] : await this.repos();
    await pruneRepos(repos, readConfig(only ? vscode.Uri.file(only.mfluxRepo) : undefined).keepRuns, this.active, interactive);
  }

  private async newRunnerPair(given?: Port | unknown): Promise<void> {
    const port = await this.chooser.resolvePort(given);
    if (!port) return;
    const refRepo = await this.chooser.referenceRepo(port);
    if (refRepo) await newRunnerPair(port, refRepo, this.previews);
  }
}
