// The Porting Checklist view: port → phase → item, with native checkboxes (checked = done),
// progress in descriptions, guidance and auto-check evidence in tooltips, and contextValues
// that package.json keys inline actions and context menus on.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { CheckResult } from '../../core/checks';
import { currentPhase, formatProgress, phaseProgress, portProgress, Progress } from '../../core/checklist/progress';
import { provingItems } from '../../core/checklist/rules';
import { itemState, ItemStatus, setItemStatus } from '../../core/checklist/state';
import { findItem, findPhase, phaseLabel, phaseOf, WORKFLOW } from '../../core/checklist/workflow';
import { ChecklistChange, ChecklistStore, PortEntry } from './store';
import { escapeMd, evidenceLink, itemTooltip, OPEN_EVIDENCE, STATUS_TEXT } from './tooltips';

export type ChecklistNode =
  | { readonly kind: 'port'; readonly id: string; readonly repo: string; readonly model: string }
  | { readonly kind: 'phase'; readonly id: string; readonly repo: string; readonly model: string; readonly phaseId: string }
  | { readonly kind: 'item'; readonly id: string; readonly repo: string; readonly model: string; readonly itemId: string }
  | { readonly kind: 'broken'; readonly id: string; readonly repo: string; readonly file: string };

export const VIEW_ID = 'mfluxPort.checklist';
const OPEN_STATE_FILE = 'mfluxPort.openStateFile';
const CHECK_VERIFIED = 'mfluxPort.checkVerifiedItems';

/**
 * Rows with children (ports, phases) are never refreshed once shown: refreshing a row makes
 * VS Code's extension host forget its children until the window fetches them again, and a
 * checkbox event for a forgotten row is dropped without a word (the tick unticks itself). Their
 * live progress therefore comes from a file decoration on the row (a badge with the number of
 * open items, a colour when closed), which VS Code repaints without touching the tree, and from
 * the view's description. Only item rows (leaves, no children to forget) are refreshed.
 */
const PROGRESS_SCHEME = 'mflux-port-progress';

function statusIcon(status: ItemStatus, check: CheckResult | undefined): vscode.ThemeIcon {
  if (status === 'done' && check?.status === 'fail')
    return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
  switch (status) {
    case 'done':
      return new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
    case 'in_progress':
      return new vscode.ThemeIcon('play-circle', new vscode.ThemeColor('charts.yellow'));
    case 'skipped':
      return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'));
    default:
      return check?.status === 'pass'
        ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
        : new vscode.ThemeIcon('circle-large-outline');
  }
}

/** Badge, colour and tooltip of a port or phase row from its progress. */
function progressDecoration(p: Progress): { badge: string; tooltip: string; closed: boolean } {
  const open = p.applicable - p.done;
  const closed = open <= 0;
  return {
    badge: closed ? '✓' : String(Math.min(open, 99)),
    tooltip: `${formatProgress(p)} done${closed ? '' : `, ${open} open`}`,
    closed,
  };
}

export class ChecklistTree implements vscode.TreeDataProvider<ChecklistNode>, vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ChecklistNode | ChecklistNode[] | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly decorationsChanged = new vscode.EventEmitter<vscode.Uri[]>();
  readonly onDidChangeFileDecorations = this.decorationsChanged.event;
  readonly view: vscode.TreeView<ChecklistNode>;
  private readonly nodes = new Map<string, ChecklistNode>();
  private available = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];
  /** What each item row last showed (itemSignature), so a store change refreshes only rows that look different. */
  private readonly shown = new Map<string, string>();
  /** Ids of item rows VS Code has fetched; rows never fetched need no refresh. */
  private readonly fetched = new Set<string>();
  /** rootSignature() when VS Code last fetched the top-level rows; undefined before it did. */
  private rootShown: string | undefined;

  constructor(private readonly store: ChecklistStore) {
    this.view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, manageCheckboxStateManually: true, showCollapseAll: true });
    this.disposables.push(
      this.view,
      this.changed,
      this.decorationsChanged,
      vscode.window.registerFileDecorationProvider(this),
      store.onDidChange((c) => this.onStoreChange(c)),
      this.view.onDidChangeCheckboxState((e) => void this.onCheckboxes(e)),
      this.view.onDidChangeSelection((e) => {
        const n = e.selection[0];
        if (n && n.kind !== 'broken') store.setCurrent(n.repo, n.model);
      }),
    );
    void this.refresh();
  }

  /**
   * After ports came or went. A full refresh makes VS Code forget every row (a click then is lost),
   * so it happens only when the top-level rows differ from what VS Code shows, not at start-up.
   */
  async refresh(): Promise<void> {
    // Item actions come from other features; offer only the ones actually registered.
    this.available = new Set((await vscode.commands.getCommands(true)).filter((c) => c.startsWith('mfluxPort.')));
    this.view.message =
      this.store.allPorts().length === 0 && this.store.brokenFiles().length > 0
        ? 'A checklist file could not be read; open it to fix it.'
        : undefined;
    this.updateDescription();
    if (this.rootShown === undefined || this.rootShown === this.rootSignature()) {
      this.refreshRows(new Set(this.store.allPorts().map((p) => p.key)));
      return;
    }
    this.rootShown = undefined;
    this.shown.clear();
    this.fetched.clear();
    this.changed.fire();
  }

  /** What the top-level rows show: their ids, and what a broken row or a port row says. */
  private rootSignature(): string {
    const broken = this.store.brokenFiles().map((b) => [b.file, b.error.reason]);
    const ports = this.store.allPorts().map((p) => [p.key, p.state.port.reference]);
    return JSON.stringify([broken, ports, this.multiRepo()]);
  }

  /** The view's title line carries the current port's progress (it changes without a tree refresh). */
  private updateDescription(): void {
    const entry = this.store.current();
    this.view.description = entry ? `${entry.state.port.model} ${formatProgress(portProgress(entry.state))}` : undefined;
  }

  progressUri(node: ChecklistNode): vscode.Uri {
    return vscode.Uri.from({ scheme: PROGRESS_SCHEME, path: `/${encodeURIComponent(node.id)}` });
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== PROGRESS_SCHEME) return undefined;
    const node = this.nodes.get(decodeURIComponent(uri.path.slice(1)));
    if (!node || (node.kind !== 'port' && node.kind !== 'phase')) return undefined;
    const entry = this.store.find(node.repo, node.model);
    const phase = node.kind === 'phase' ? findPhase(node.phaseId) : undefined;
    if (!entry || (node.kind === 'phase' && !phase)) return undefined;
    const d = progressDecoration(phase ? phaseProgress(entry.state, phase) : portProgress(entry.state));
    return new vscode.FileDecoration(d.badge, d.tooltip, d.closed ? new vscode.ThemeColor('testing.iconPassed') : undefined);
  }

  private onStoreChange(change: ChecklistChange): void {
    this.updateDescription();
    if (change.structural) {
      void this.refresh();
      return;
    }
    this.refreshRows(change.ports);
  }

  /** Refreshes the fetched item rows of these ports that look different, and their progress badges. */
  private refreshRows(ports: ReadonlySet<string>): void {
    const items: ChecklistNode[] = [];
    const decorated: vscode.Uri[] = [];
    for (const entry of this.store.allPorts().filter((p) => ports.has(p.key))) {
      const { model } = entry.state.port;
      for (const phase of WORKFLOW) {
        for (const item of phase.items) {
          const node = this.itemNode(entry.repo, model, item.id);
          if (this.fetched.has(node.id) && this.shown.get(node.id) !== this.itemSignature(entry, item.id)) items.push(node);
        }
        decorated.push(this.progressUri(this.phaseNode(entry.repo, model, phase.id)));
      }
      decorated.push(this.progressUri(this.portNode(entry.repo, model)));
    }
    if (items.length) this.changed.fire(items);
    if (decorated.length) this.decorationsChanged.fire(decorated);
  }

  /** Everything an item row shows depends on: its state, its auto-check, whether its action exists. */
  private itemSignature(entry: PortEntry, itemId: string): string {
    const action = findItem(itemId)?.action;
    const check = this.store.checksFor(entry.repo, entry.state.port.model).get(itemId) ?? null;
    return JSON.stringify([itemState(entry.state, itemId), check, !!action && this.available.has(action.command)]);
  }

  // ------------------------------------------------------------- nodes (same object per id, for reveal)

  private node<N extends ChecklistNode>(n: N): N {
    const existing = this.nodes.get(n.id);
    if (existing) return existing as N;
    this.nodes.set(n.id, n);
    return n;
  }

  portNode(repo: string, model: string): ChecklistNode {
    return this.node({ kind: 'port', id: `port:${repo}:${model}`, repo, model });
  }

  phaseNode(repo: string, model: string, phaseId: string): ChecklistNode {
    return this.node({ kind: 'phase', id: `phase:${repo}:${model}:${phaseId}`, repo, model, phaseId });
  }

  itemNode(repo: string, model: string, itemId: string): ChecklistNode {
    return this.node({ kind: 'item', id: `item:${repo}:${model}:${itemId}`, repo, model, itemId });
  }

  getChildren(element?: ChecklistNode): ChecklistNode[] {
    const children = this.childrenOf(element);
    if (!element) this.rootShown = this.rootSignature();
    for (const c of children) this.fetched.add(c.id);
    return children;
  }

  private childrenOf(element?: ChecklistNode): ChecklistNode[] {
    if (!element) {
      return [
        ...this.store.brokenFiles().map((b) => this.node({ kind: 'broken' as const, id: `broken:${b.file}`, repo: b.repo, file: b.file })),
        ...this.store.allPorts().map((p) => this.portNode(p.repo, p.state.port.model)),
      ];
    }
    if (element.kind === 'port') return WORKFLOW.map((ph) => this.phaseNode(element.repo, element.model, ph.id));
    if (element.kind === 'phase')
      return (findPhase(element.phaseId)?.items ?? []).map((i) => this.itemNode(element.repo, element.model, i.id));
    return [];
  }

  getParent(element: ChecklistNode): ChecklistNode | undefined {
    if (element.kind === 'item') {
      const phase = phaseOf(element.itemId);
      return phase ? this.phaseNode(element.repo, element.model, phase.id) : undefined;
    }
    if (element.kind === 'phase') return this.portNode(element.repo, element.model);
    return undefined;
  }

  getTreeItem(element: ChecklistNode): vscode.TreeItem {
    if (element.kind === 'broken') return this.brokenItem(element);
    const entry = this.store.find(element.repo, element.model);
    if (!entry) return new vscode.TreeItem(element.model);
    if (element.kind === 'port') return this.portItem(element, entry);
    if (element.kind === 'phase') return this.phaseItem(element, entry);
    return this.itemItem(element, entry);
  }

  private multiRepo(): boolean {
    return new Set(this.store.allPorts().map((p) => p.repo)).size > 1;
  }

  private portItem(node: ChecklistNode & { kind: 'port' }, entry: PortEntry): vscode.TreeItem {
    const { port } = entry.state;
    const ti = new vscode.TreeItem(port.model, vscode.TreeItemCollapsibleState.Expanded);
    ti.id = node.id;
    // Never refreshed (see PROGRESS_SCHEME): what changes is in the decoration and the view's description.
    ti.resourceUri = this.progressUri(node);
    ti.description = this.multiRepo() ? basename(entry.repo) : port.reference || undefined;
    ti.iconPath = new vscode.ThemeIcon('package');
    ti.contextValue = 'mfluxPortPort';
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Port of \`${port.model}\`** — the badge counts the open items\n\n`);
    if (port.reference) md.appendMarkdown(`Reference: \`${escapeMd(port.reference)}\`  \n`);
    if (port.referenceRepo) md.appendMarkdown(`Reference repo: \`${escapeMd(port.referenceRepo)}\`  \n`);
    md.appendMarkdown(`mflux repo: \`${escapeMd(entry.repo)}\`  \n`);
    md.appendMarkdown(`State: ${evidenceLink(entry.file, undefined, basename(entry.file))}\n`);
    md.appendMarkdown(
      `\n[Check off the items the files verify](command:${CHECK_VERIFIED}?${encodeURIComponent(JSON.stringify([{ model: port.model, repo: entry.repo }]))})\n`,
    );
    if (port.notes.trim()) md.appendMarkdown(`\n---\n\n${escapeMd(port.notes)}\n`);
    md.isTrusted = { enabledCommands: [OPEN_EVIDENCE, CHECK_VERIFIED] };
    ti.tooltip = md;
    ti.accessibilityInformation = { label: `Port ${port.model}` };
    return ti;
  }

  private phaseItem(node: ChecklistNode & { kind: 'phase' }, entry: PortEntry): vscode.TreeItem {
    const phase = findPhase(node.phaseId)!;
    const isCurrent = currentPhase(entry.state).id === phase.id;
    const ti = new vscode.TreeItem(
      phaseLabel(phase),
      isCurrent ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
    ti.id = node.id;
    // Never refreshed (see PROGRESS_SCHEME): the progress is the decoration's badge and colour.
    ti.resourceUri = this.progressUri(node);
    ti.description = `${phase.items.length} items`;
    ti.iconPath = new vscode.ThemeIcon('milestone');
    ti.contextValue = 'mfluxPortPhase';
    ti.tooltip = new vscode.MarkdownString(`**${phaseLabel(phase)}** — the badge counts the open items\n\n${phase.summary}`);
    return ti;
  }

  private itemItem(node: ChecklistNode & { kind: 'item' }, entry: PortEntry): vscode.TreeItem {
    const item = findItem(node.itemId)!;
    const s = itemState(entry.state, item.id);
    const check = this.store.checksFor(entry.repo, entry.state.port.model).get(item.id);
    this.shown.set(node.id, this.itemSignature(entry, item.id));
    const ti = new vscode.TreeItem(item.title, vscode.TreeItemCollapsibleState.None);
    ti.id = node.id;
    ti.checkboxState = {
      state: s.status === 'done' ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked,
      tooltip: s.status === 'done' ? 'Done — uncheck to reopen' : 'Mark done',
    };
    const parts: string[] = [];
    if (s.status === 'in_progress') parts.push('in progress');
    if (s.status === 'skipped') parts.push('skipped');
    const absence = item.autoCheck ? !provingItems(this.store.rules).has(item.id) : false;
    if (check?.status === 'pass' && (!absence || s.status === 'done')) parts.push('verified ✓');
    if (check?.status === 'fail' && s.status === 'done') parts.push('auto-check fails');
    if (check?.status === 'not_applicable' && s.status !== 'done') parts.push('not applicable');
    const firstNoteLine = s.note.trim().split(/\r?\n/)[0];
    if (firstNoteLine) parts.push(firstNoteLine.length > 40 ? firstNoteLine.slice(0, 39) + '…' : firstNoteLine);
    ti.description = parts.join(' · ');
    ti.iconPath = statusIcon(s.status, absence && s.status !== 'done' ? undefined : check);
    const flags = [`status-${s.status}`];
    if (item.action && this.available.has(item.action.command)) flags.push('action');
    if (item.autoCheck) flags.push('autocheck');
    if (s.evidence.length) flags.push('evidence');
    ti.contextValue = `mfluxPortItem ${flags.join(' ')}`;
    ti.tooltip = itemTooltip(item, itemState(entry.state, item.id), check, !!item.action && this.available.has(item.action.command));
    ti.accessibilityInformation = { label: `${item.title}, ${STATUS_TEXT[s.status]}${check ? `, auto-check ${check.status}` : ''}` };
    return ti;
  }

  private brokenItem(node: ChecklistNode & { kind: 'broken' }): vscode.TreeItem {
    const b = this.store.brokenFiles().find((x) => x.file === node.file);
    const ti = new vscode.TreeItem(basename(node.file), vscode.TreeItemCollapsibleState.None);
    ti.id = node.id;
    ti.description = b ? b.error.reason : 'cannot be read';
    ti.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    ti.tooltip = new vscode.MarkdownString(
      `**${escapeMd(node.file)}** cannot be used: ${escapeMd(b?.error.reason ?? 'unknown reason')}\n\nThe file is left untouched. Click to open it and fix it; the checklist reloads when it is saved.`,
    );
    ti.contextValue = 'mfluxPortBroken';
    ti.command = { command: OPEN_STATE_FILE, title: 'Open State File', arguments: [node] };
    return ti;
  }

  // ------------------------------------------------------------- events

  private async onCheckboxes(e: vscode.TreeCheckboxChangeEvent<ChecklistNode>): Promise<void> {
    for (const [node, state] of e.items) {
      if (node.kind !== 'item') continue;
      const entry = this.store.find(node.repo, node.model);
      if (!entry) continue;
      const cur = itemState(entry.state, node.itemId).status;
      const next: ItemStatus = state === vscode.TreeItemCheckboxState.Checked ? 'done' : cur === 'done' ? 'todo' : cur;
      try {
        await this.store.update(node.repo, node.model, (st) => setItemStatus(st, node.itemId, next));
      } catch (err) {
        void vscode.window.showErrorMessage(`mflux Port: ${err instanceof Error ? err.message : String(err)}`);
        // Put the row back to what the file says.
        this.shown.delete(node.id);
        this.changed.fire([node]);
      }
    }
  }

  /** Reveals, selects and focuses an item (expanding its port and phase). */
  async revealItem(repo: string, model: string, itemId: string): Promise<void> {
    await this.view.reveal(this.itemNode(repo, model, itemId), { select: true, focus: true, expand: true });
  }

  async revealPort(repo: string, model: string): Promise<void> {
    await this.view.reveal(this.portNode(repo, model), { select: true, focus: true, expand: 1 });
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}
