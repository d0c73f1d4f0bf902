// The runner commands: translate palette invocations into core calls and terminal runs.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { release } from 'node:os';
import {
  createRun,
  describeEnd,
  discardEmptySide,
  endRecord,
  ensureExcluded,
  goldenTestPath,
  latestPassed,
  listRuns,
  mlxPlatformProblem,
  planDeterministicTest,
  planSide,
  pruneRuns,
  repoState,
  scriptPath,
  sideDir,
  sideLabel,
  startRecord,
  writeRunRecord,
  type RepoState,
  type RunSettings,
  type Side,
} from '../../core/runners';
import { loadPorts, setPortFields, updatePort } from '../../core/checklist/state';
import type { Port } from '../../core/checklist/port';
import { readConfig, resolvePython, type RunnerConfig } from './settings';
import { RunnerTerminals } from './terminals';
import { openParityReport } from './report';
import { insertDump, newRunnerPair } from './scripts';
import { FilePreviews } from './preview';
import type { ChecklistApi } from '../checklist';
import { MANIFEST_NAME, readManifestFile } from '../../core/capture/manifest';

const LAST_PORT_KEY = 'mfluxPort.runner.lastPort';
const LAST_RUN_KEY = 'mfluxPort.runner.lastRun';

export class RunnerCommands implements vscode.Disposable {
  private readonly terminals = new RunnerTerminals();
  private readonly previews = new FilePreviews();
  private last?: { sides: Side[]; port: Port };
  private readonly active = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly checklist?: ChecklistApi,
  ) {}

  register(): vscode.Disposable[] {
    const trusted =
      <A extends unknown[]>(fn: (...a: A) => Promise<unknown>) =>
      async (...a: A) => {
        if (!vscode.workspace.isTrusted) {
          const manage = 'Manage Workspace Trust';
          const pick = await vscode.window.showErrorMessage(
            'mflux Port: runners are disabled in Restricted Mode, because they execute scripts from this workspace. Trust the workspace to run them.',
            manage,
          );
          if (pick === manage) await vscode.commands.executeCommand('workbench.trust.manage');
          return;
        }
        await this.safely(() => fn(...a));
      };
    const plain = (fn: () => Promise<unknown>) => () => this.safely(fn);
    return [
      vscode.commands.registerCommand(
        'mfluxPort.runReference',
        trusted((arg?: unknown) => this.run(['ref'], arg)),
      ),
      vscode.commands.registerCommand(
        'mfluxPort.runMlx',
        trusted((arg?: unknown) => this.run(['mlx'], arg)),
      ),
      vscode.commands.registerCommand(
        'mfluxPort.runBoth',
        trusted((arg?: unknown) => this.run(['ref', 'mlx'], arg)),
      ),
      vscode.commands.registerCommand(
        'mfluxPort.rerunLast',
        trusted(() => this.rerunLast()),
      ),
      vscode.commands.registerCommand(
        'mfluxPort.runDeterministicTest',
        trusted((arg?: unknown) => this.deterministicTest(arg)),
      ),
      vscode.commands.registerCommand(
        'mfluxPort.stopRun',
        plain(() => this.stop()),
      ),
      vscode.commands.registerCommand(
        'mfluxPort.openRunFolder',
        plain(() => this.openRunFolder()),
      ),
      vscode.commands.registerCommand(
        'mfluxPort.compareRuns',
        plain(() => this.compareRuns()),
      ),
      vscode.commands.registerCommand(
        'mfluxPort.pruneRuns',
        plain(() => this.prune(true)),
      ),
      vscode.commands.registerCommand('mfluxPort.newRunnerPair', (arg?: unknown) => this.safely(() => this.newRunnerPair(arg))),
      vscode.commands.registerCommand(
        'mfluxPort.insertDump',
        plain(() => insertDump()),
      ),
      this,
    ];
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

  // ---- ports ------------------------------------------------------------------------------

  private async ports(): Promise<Port[]> {
    const out: Port[] = [];
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme !== 'file') continue;
      for (const r of await loadPorts(f.uri.fsPath)) if (r.ok) out.push(r.state.port);
    }
    return out;
  }

  /**
   * The current port (the status bar's; Switch Port… changes it), as every command about a
   * port chooses it; without the checklist, the only port or a pick.
   */
  private async pickPort(): Promise<Port | undefined> {
    await this.checklist?.store.ready();
    const current = this.checklist?.store.current();
    if (current) return current.state.port;
    const ports = await this.ports();
    if (ports.length === 0) {
      void vscode.window.showErrorMessage(
        'mflux Port: there is no port in this workspace yet. Start one from the Porting Checklist (it creates .mflux-port/<model>.json in the mflux repo).',
      );
      return undefined;
    }
    if (ports.length === 1) return ports[0];
    const lastKey = this.context.workspaceState.get<string>(LAST_PORT_KEY);
    const items = ports.map((p) => ({ label: p.model, description: p.reference, detail: p.mfluxRepo, port: p }));
    items.sort((a, b) => (a.port.model === lastKey ? -1 : b.port.model === lastKey ? 1 : 0));
    const pick = await vscode.window.showQuickPick(items, { title: 'Which port?', placeHolder: 'Port to run' });
    if (pick) await this.context.workspaceState.update(LAST_PORT_KEY, pick.port.model);
    return pick?.port;
  }

  /**
   * The port a command is about: one given by the caller (a Port, or the checklist's item-action
   * arguments `{ model, mfluxRepo }`), read again from its state file; otherwise the user picks.
   */
  private async resolvePort(arg: unknown): Promise<Port | undefined> {
    if (arg && typeof arg === 'object' && typeof (arg as Port).model === 'string' && typeof (arg as Port).mfluxRepo === 'string') {
      const { model, mfluxRepo } = arg as Port;
      const found = (await this.ports()).find((p) => p.model === model && p.mfluxRepo === mfluxRepo);
      if (found) return found;
      if ('reference' in (arg as object) && 'notes' in (arg as object)) return arg as Port;
    }
    return this.pickPort();
  }

  /** The reference repo of a port; asks for it (and saves it in the port) when unknown. */
  private async referenceRepo(port: Port): Promise<string | undefined> {
    if (port.referenceRepo && existsSync(port.referenceRepo)) return port.referenceRepo;
    const why = port.referenceRepo
      ? `The reference repository ${port.referenceRepo} does not exist.`
      : `The port ${port.model} has no reference repository yet.`;
    const choose = 'Choose Folder…';
    if ((await vscode.window.showWarningMessage(`${why} Choose your diffusers (or other reference) clone.`, choose)) !== choose)
      return undefined;
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      openLabel: 'Use as Reference Repo',
      defaultUri: vscode.Uri.file(dirname(port.mfluxRepo)),
    });
    const repo = picked?.[0]?.fsPath;
    if (!repo) return undefined;
    await updatePort(port.mfluxRepo, port.model, (s) => setPortFields(s, { referenceRepo: repo }));
    return repo;
  }

  // ---- runs -------------------------------------------------------------------------------

  private async settings(cfg: RunnerConfig, port: Port): Promise<RunSettings> {
    return {
      template: cfg.template,
      uv: cfg.uv,
      python: await resolvePython(cfg, vscode.Uri.file(port.mfluxRepo)),
      hfHubOffline: cfg.hfHubOffline,
      probeDir: this.context.asAbsolutePath('python'),
      shell: vscode.env.shell,
      maxCaptureBytes: cfg.maxCaptureBytes,
    };
  }

  private async run(sides: Side[], given?: Port | unknown): Promise<void> {
    const port = await this.resolvePort(given);
    if (!port) return;
    const cfg = readConfig(vscode.Uri.file(port.mfluxRepo));
    if (sides.includes('mlx') && !(await this.platformOk(cfg))) return;
    const refRepo = sides.includes('ref') ? await this.referenceRepo(port) : port.referenceRepo;
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
    const settings = await this.settings(cfg, port);
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
          settings,
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
          const open = 'Open Run Folder';
          const failText =
            result.exitCode === undefined
              ? `${sideLabel(side)} run ${runId} ended without an exit code (the shell did not report one).`
              : `${sideLabel(side)} run ${runId} failed with exit code ${result.exitCode}.`;
          void vscode.window
            .showErrorMessage(`mflux Port: ${failText}${sides.length > 1 && side === 'ref' ? ' The MLX side was not started.' : ''}`, open)
            .then(async (p) => {
              if (p === open) await revealFolder(plan.runDir);
            });
          return;
        }
      }
      if (dirs.mlx && dirs.ref) await openParityReport(dirs.ref, dirs.mlx);
      else if (dirs.mlx)
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

  private async platformOk(cfg: RunnerConfig): Promise<boolean> {
    const problem = mlxPlatformProblem(process.platform, process.arch);
    if (!problem || cfg.allowMlxOffAppleSilicon) return true;
    const once = 'Run Anyway';
    const always = 'Always Allow';
    const pick = await vscode.window.showWarningMessage(
      `${problem} The MLX runner will likely fail here. (MLX has Linux builds; the setting mfluxPort.runner.allowMlxOffAppleSilicon skips this question.)`,
      { modal: true },
      once,
      always,
    );
    if (pick === always)
      await vscode.workspace
        .getConfiguration('mfluxPort.runner')
        .update('allowMlxOffAppleSilicon', true, vscode.ConfigurationTarget.Global);
    return pick === once || pick === always;
  }

  private async rerunLast(): Promise<void> {
    if (!this.last) {
      const saved = this.context.workspaceState.get<{ sides: Side[]; model: string; mfluxRepo: string }>(LAST_RUN_KEY);
      const port = saved && (await this.ports()).find((p) => p.model === saved.model && p.mfluxRepo === saved.mfluxRepo);
      if (saved && port) this.last = { sides: saved.sides, port };
    }
    if (!this.last) {
      void vscode.window.showInformationMessage('mflux Port: nothing has run in this window yet. Use Run Reference, Run MLX or Run Both.');
      return;
    }
    // The port file may have changed since (e.g. a new reference repo): read it again.
    const fresh = (await this.ports()).find((p) => p.model === this.last!.port.model && p.mfluxRepo === this.last!.port.mfluxRepo);
    await this.run(this.last.sides, fresh ?? this.last.port);
  }

  private async deterministicTest(arg?: unknown): Promise<void> {
    const port = await this.resolvePort(arg);
    if (!port) return;
    const cfg = readConfig(vscode.Uri.file(port.mfluxRepo));
    const test = goldenTestPath(port.model);
    if (!existsSync(join(port.mfluxRepo, test))) {
      void vscode.window.showErrorMessage(
        `mflux Port: there is no golden test at ${test} yet. Write it first (it compares tests/resources/output_*.png with the reference PNG).`,
      );
      return;
    }
    const { line } = planDeterministicTest(port.mfluxRepo, test, await this.settings(cfg, port));
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `mflux Port: ${test}` }, () =>
      this.terminals.get('test').run(line, port.mfluxRepo, cfg.shellIntegrationTimeout),
    );
    if (result.exitCode === 0)
      void vscode.window.showInformationMessage(
        `mflux Port: ${basename(test)} passed. Outputs are kept in tests/resources (MFLUX_PRESERVE_TEST_OUTPUT=1).`,
      );
    else if (result.exitCode === undefined)
      void vscode.window.showWarningMessage(
        `mflux Port: ${basename(test)} was sent to the terminal; its exit code is unknown (no shell integration).`,
      );
    else {
      this.terminals.get('test').reveal();
      void vscode.window.showErrorMessage(`mflux Port: ${basename(test)} failed with exit code ${result.exitCode}.`);
    }
  }

  private async stop(): Promise<void> {
    const n = this.terminals.stopAll();
    if (n === 0) void vscode.window.showInformationMessage('mflux Port: no run is in progress.');
  }

  // ---- run folders ------------------------------------------------------------------------

  private async repos(): Promise<string[]> {
    const set = new Set<string>();
    for (const p of await this.ports()) {
      set.add(p.mfluxRepo);
      if (p.referenceRepo && existsSync(p.referenceRepo)) set.add(p.referenceRepo);
    }
    return [...set];
  }

  private async runItems(): Promise<Array<vscode.QuickPickItem & { dir: string; side: Side }>> {
    const items: Array<vscode.QuickPickItem & { dir: string; side: Side; id: string }> = [];
    for (const repo of await this.repos()) {
      for (const run of await listRuns(repo)) {
        for (const side of ['ref', 'mlx'] as const) {
          if (!(side in run.sides)) continue;
          const rec = run.sides[side];
          const status = rec ? rec.status + (rec.exitCode !== null && rec.exitCode !== 0 ? ` (${rec.exitCode})` : '') : 'no run.json';
          items.push({
            label: `${run.runId} · ${sideLabel(side)}`,
            description: `${status} · ${basename(repo)}`,
            detail: join(run.dir, side),
            dir: join(run.dir, side),
            side,
            id: run.runId,
          });
        }
      }
    }
    return items.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  private async openRunFolder(): Promise<void> {
    const items = await this.runItems();
    if (items.length === 0) {
      void vscode.window.showInformationMessage('mflux Port: no runs yet (debug_artifacts/ is empty).');
      return;
    }
    const pick = await vscode.window.showQuickPick(items, { title: 'Open Run Folder', matchOnDetail: true });
    if (!pick) return;
    await revealFolder(pick.dir);
    const runJson = join(pick.dir, 'run.json');
    if (existsSync(runJson)) await vscode.window.showTextDocument(vscode.Uri.file(runJson), { preview: true });
  }

  private async compareRuns(): Promise<void> {
    const items = await this.runItems();
    const browse = { label: '$(folder-opened) Browse…', description: 'any folder of dumps', dir: '', side: 'ref' as Side };
    const pickOne = async (title: string, preferred: Side): Promise<string | undefined> => {
      const ordered = [...items.filter((i) => i.side === preferred), ...items.filter((i) => i.side !== preferred), browse];
      const pick = await vscode.window.showQuickPick(ordered, { title, matchOnDetail: true });
      if (!pick) return undefined;
      if (pick !== browse) return pick.dir;
      const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: true, openLabel: 'Compare' });
      return chosen?.[0]?.fsPath;
    };
    const ref = await pickOne('Compare Runs (1/2): the reference side', 'ref');
    if (!ref) return;
    const cand = await pickOne('Compare Runs (2/2): the side to check against it', 'mlx');
    if (!cand) return;
    await openParityReport(ref, cand, '');
  }

  /** Keeps the newest keepRuns runs per repo. Interactive: asks first and reports; automatic: silent. */
  private async prune(interactive: boolean, only?: Port): Promise<void> {
    const repos = only ? [only.mfluxRepo, ...(only.referenceRepo ? [only.referenceRepo] : [])] : await this.repos();
    const keep = readConfig(only ? vscode.Uri.file(only.mfluxRepo) : undefined).keepRuns;
    if (!(keep > 0)) {
      if (interactive)
        void vscode.window.showInformationMessage(
          'mflux Port: mfluxPort.runner.keepRuns is 0, which keeps every run. Set it to the number of runs to keep.',
        );
      return;
    }
    if (interactive) {
      let excess = 0;
      for (const r of repos) excess += Math.max(0, (await listRuns(r)).length - keep);
      if (excess === 0) {
        void vscode.window.showInformationMessage(`mflux Port: nothing to prune (at most ${keep} runs per repo).`);
        return;
      }
      const del = 'Delete';
      if (
        (await vscode.window.showWarningMessage(
          `Delete ${excess} old run folder${excess === 1 ? '' : 's'} in debug_artifacts/, keeping the newest ${keep} per repo?`,
          { modal: true },
          del,
        )) !== del
      )
        return;
    }
    let removed = 0;
    for (const r of new Set(repos)) removed += (await pruneRuns(r, keep, this.active)).length;
    if (interactive) void vscode.window.showInformationMessage(`mflux Port: deleted ${removed} old run${removed === 1 ? '' : 's'}.`);
  }

  // ---- scripts ----------------------------------------------------------------------------

  private async newRunnerPair(given?: Port | unknown): Promise<void> {
    const port = await this.resolvePort(given);
    if (!port) return;
    const refRepo = await this.referenceRepo(port);
    if (refRepo) await newRunnerPair(port, refRepo, this.previews);
  }
}

function dumpCount(dir: string): number {
  try {
    return readManifestFile(join(dir, MANIFEST_NAME)).tensors.length;
  } catch {
    return 0;
  }
}

async function revealFolder(dir: string): Promise<void> {
  const uri = vscode.Uri.file(dir);
  const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
  await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
}
