// Live view of every port in the workspace: loads `.mflux-port/*.json` of each workspace
// folder, follows outside edits through file watchers, and reruns auto-checks (debounced)
// when files they read change. Holds no state of its own beyond caches: the files are the truth.
import * as vscode from 'vscode';
import { join, relative, sep } from 'node:path';
import type { CheckResult } from '../../core/checks';
import { affectsAutoChecks, RuleRegistry, runAutoChecks } from '../../core/checklist/rules';
import { loadPorts, LoadResult, PortState, removeStaleTemps, STATE_DIR, StateFileError, updatePort } from '../../core/checklist/state';

export interface PortEntry {
  readonly key: string;
  readonly repo: string;
  readonly state: PortState;
  readonly file: string;
}

export interface BrokenEntry {
  readonly repo: string;
  readonly file: string;
  readonly error: StateFileError;
}

const STATE_DEBOUNCE_MS = 150;
const CHECK_DEBOUNCE_MS = 800;

/** What a store event is about, so the tree can refresh only what changed. */
export interface ChecklistChange {
  /** Ports or broken files came or went: the shape of the tree changed. */
  readonly structural: boolean;
  /** Keys (portKey) of ports whose state or auto-check results changed. */
  readonly ports: ReadonlySet<string>;
}

const NO_PORTS: ReadonlySet<string> = new Set();
const CURRENT_PORT_KEY = 'mfluxPort.currentPort';

function portKey(repo: string, model: string): string {
  return `${repo}\u0000${model}`;
}

export class ChecklistStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ChecklistChange>();
  /**
   * Fires after ports, their state or auto-check results change, or the current port changes
   * (then with no ports and not structural). Never fires when a reload finds the same content,
   * such as the watcher seeing our own write: every refresh of the tree makes VS Code forget
   * the refreshed rows for a moment, and a checkbox click in that moment is lost.
   */
  readonly onDidChange = this.changed.event;
  readonly rules = new RuleRegistry();

  private ports: PortEntry[] = [];
  private broken: BrokenEntry[] = [];
  private readonly checks = new Map<string, ReadonlyMap<string, CheckResult>>();
  /** Serialised state and check results per port key, to tell a real change from a re-read. */
  private readonly stateText = new Map<string, string>();
  private readonly checksText = new Map<string, string>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly watchers = new Map<string, vscode.Disposable[]>();
  private readonly reloadTimers = new Map<string, NodeJS.Timeout>();
  private readonly checkTimers = new Map<string, NodeJS.Timeout>();
  private loaded: Promise<void> = Promise.resolve();
  private currentKey: string | undefined;

  /** `memory` (the workspace state) remembers the current port across reloads. */
  constructor(private readonly memory?: vscode.Memento) {
    this.currentKey = memory?.get<string>(CURRENT_PORT_KEY);
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.syncFolders()),
    );
    this.syncFolders();
  }

  /** Resolves once the first load of every folder finished. */
  ready(): Promise<void> {
    return this.loaded;
  }

  allPorts(): readonly PortEntry[] {
    return this.ports;
  }

  brokenFiles(): readonly BrokenEntry[] {
    return this.broken;
  }

  /** The port the user works on: the last one selected, started or switched to, else the first. */
  current(): PortEntry | undefined {
    return this.ports.find((p) => p.key === this.currentKey) ?? this.ports[0];
  }

  setCurrent(repo: string, model: string): void {
    const key = portKey(repo, model);
    if (key === this.currentKey) return;
    this.currentKey = key;
    void this.memory?.update(CURRENT_PORT_KEY, key);
    this.changed.fire({ structural: false, ports: NO_PORTS });
  }

  find(repo: string, model: string): PortEntry | undefined {
    return this.ports.find((p) => p.repo === repo && p.state.port.model === model);
  }

  checksFor(repo: string, model: string): ReadonlyMap<string, CheckResult> {
    return this.checks.get(portKey(repo, model)) ?? new Map();
  }

  /** Applies a change through the core (re-read, change, atomic write) and reloads that repo. */
  async update(repo: string, model: string, change: (s: PortState) => PortState): Promise<PortState> {
    const next = await updatePort(repo, model, change);
    await this.reload(repo);
    return next;
  }

  /** Reloads one repo's state files now (also called by the watcher, debounced). */
  async reload(repo: string): Promise<void> {
    let results: LoadResult[];
    try {
      results = await loadPorts(repo);
    } catch (e) {
      // The folder itself is unreadable: show that as one broken entry rather than nothing.
      const file = join(repo, STATE_DIR);
      results = [{ ok: false, file, error: new StateFileError(file, 'unreadable', e instanceof Error ? e.message : String(e)) }];
    }
    const before = new Set(this.ports.filter((p) => p.repo === repo).map((p) => p.key));
    const brokenBefore = JSON.stringify(this.broken.filter((b) => b.repo === repo).map((b) => [b.file, b.error.reason]));
    this.ports = [
      ...this.ports.filter((p) => p.repo !== repo),
      ...results.flatMap((r) => (r.ok ? [{ key: portKey(repo, r.state.port.model), repo, state: r.state, file: r.file }] : [])),
    ].sort((a, b) => a.state.port.model.localeCompare(b.state.port.model) || a.repo.localeCompare(b.repo));
    this.broken = [
      ...this.broken.filter((b) => b.repo !== repo),
      ...results.flatMap((r) => (r.ok ? [] : [{ repo, file: r.file, error: r.error }])),
    ];
    for (const p of this.ports) if (p.repo === repo && !before.has(p.key)) void this.runChecks(repo, p.state.port.model);
    const after = this.ports.filter((p) => p.repo === repo);
    const removed = [...before].filter((key) => !after.some((p) => p.key === key));
    for (const key of removed) {
      this.checks.delete(key);
      this.checksText.delete(key);
      this.stateText.delete(key);
    }
    const changedPorts = new Set<string>();
    for (const p of after) {
      const text = JSON.stringify(p.state);
      if (this.stateText.get(p.key) !== text) changedPorts.add(p.key);
      this.stateText.set(p.key, text);
    }
    const brokenAfter = JSON.stringify(this.broken.filter((b) => b.repo === repo).map((b) => [b.file, b.error.reason]));
    const structural = removed.length > 0 || after.some((p) => !before.has(p.key)) || brokenAfter !== brokenBefore;
    if (structural || changedPorts.size) this.changed.fire({ structural, ports: changedPorts });
  }

  /** Reruns the auto-checks of one port now. */
  async runChecks(repo: string, model: string): Promise<void> {
    const results = await runAutoChecks({ mfluxRepo: repo, model }, this.rules);
    if (!this.find(repo, model)) return; // removed meanwhile
    const key = portKey(repo, model);
    const text = JSON.stringify([...results]);
    if (this.checksText.get(key) === text) return;
    this.checksText.set(key, text);
    this.checks.set(key, results);
    this.changed.fire({ structural: false, ports: new Set([key]) });
  }

  private syncFolders(): void {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    for (const [repo, ds] of this.watchers) {
      if (folders.includes(repo)) continue;
      ds.forEach((d) => d.dispose());
      this.watchers.delete(repo);
      this.ports = this.ports.filter((p) => p.repo !== repo);
      this.broken = this.broken.filter((b) => b.repo !== repo);
    }
    const fresh = folders.filter((f) => !this.watchers.has(f));
    for (const repo of fresh) this.watch(repo);
    this.loaded = Promise.all(
      fresh.map(async (repo) => {
        await removeStaleTemps(repo).catch(() => undefined);
        await this.reload(repo);
      }),
    ).then(() => undefined);
    this.changed.fire({ structural: true, ports: NO_PORTS });
  }

  private watch(repo: string): void {
    const folder = vscode.Uri.file(repo);
    const stateWatcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, `${STATE_DIR}/*.json`));
    const onState = () => this.debounce(this.reloadTimers, repo, STATE_DEBOUNCE_MS, () => void this.reload(repo));
    // Everything a rule reads; the callback filters with the same predicate the rules document.
    const fileWatcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(
        folder,
        '{pyproject.toml,README.md,.gitignore,*.npy,*.npz,*.safetensors,*.pt,*.pth,src/mflux/**,tests/**,debug_artifacts,debug_artifacts/**}',
      ),
    );
    const onFile = (uri: vscode.Uri) => {
      if (!affectsAutoChecks(relative(repo, uri.fsPath).split(sep).join('/'))) return;
      this.debounce(this.checkTimers, repo, CHECK_DEBOUNCE_MS, () => {
        for (const p of this.ports) if (p.repo === repo) void this.runChecks(repo, p.state.port.model);
      });
    };
    this.watchers.set(repo, [
      stateWatcher,
      stateWatcher.onDidCreate(onState),
      stateWatcher.onDidChange(onState),
      stateWatcher.onDidDelete(onState),
      fileWatcher,
      fileWatcher.onDidCreate(onFile),
      fileWatcher.onDidChange(onFile),
      fileWatcher.onDidDelete(onFile),
    ]);
  }

  private debounce(timers: Map<string, NodeJS.Timeout>, key: string, ms: number, run: () => void): void {
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        run();
      }, ms),
    );
  }

  dispose(): void {
    for (const t of [...this.reloadTimers.values(), ...this.checkTimers.values()]) clearTimeout(t);
    for (const ds of this.watchers.values()) ds.forEach((d) => d.dispose());
    this.watchers.clear();
    this.disposables.forEach((d) => d.dispose());
  }
}
