// The Porting Checklist view: port → phase → item, with native checkboxes (checked = done),
// progress in descriptions, guidance and auto-check evidence in tooltips, and contextValues
// that package.json keys inline actions and context menus on.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { CheckResult } from '../../core/checks';
import { currentPhase, formatProgress, isOpen, phaseProgress, portProgress } from '../../core/checklist/progress';
import { provingItems } from '../../core/checklist/rules';
import { itemState, ItemStatus, setItemStatus } from '../../core/checklist/state';
import { findItem, findPhase, phaseLabel, phaseOf, WORKFLOW, WorkflowItem } from '../../core/checklist/workflow';
import { ChecklistChange, ChecklistStore, PortEntry } from './store';

export type ChecklistNode =
  | { readonly kind: 'port'; readonly id: string; readonly repo: string; readonly model: string }
  | { readonly kind: 'phase'; readonly id: string; readonly repo: string; readonly model: string; readonly phaseId: string }
  | { readonly kind: 'item'; readonly id: string; readonly repo: string; readonly model: string; readonly itemId: string }
  | { readonly kind: 'broken'; readonly id: string; readonly repo: string; readonly file: string };

export const VIEW_ID = 'mfluxPort.checklist';
const OPEN_EVIDENCE = 'mfluxPort.openEvidence';
const OPEN_STATE_FILE = 'mfluxPort.openStateFile';
const CHECK_VERIFIED = 'mfluxPort.checkVerifiedItems';

/**
 * Rows with children (ports, phases) are refreshed only once the checklist has been quiet (no
 * checkbox click, no store change) for this long: refreshing a row makes VS Code forget its
 * children until it fetches them again, and a checkbox event for a forgotten row is dropped
 * without a word. Leaf rows are refreshed at once.
 */
const QUIET_MS = 2000;

const STATUS_TEXT: Record<ItemStatus, string> = { todo: 'To do', in_progress: 'In progress', done: 'Done', skipped: 'Skipped' };

function statusIcon(status: ItemStatus, check: CheckResult | undefined): vscode.ThemeIcon {
  if (status === 'done' && check?.status === 'fail') return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
  switch (status) {
    case 'done':
      return new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
    case 'in_progress':
      return new vscode.ThemeIcon('play-circle', new vscode.ThemeColor('charts.yellow'));
    case 'skipped':
      return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'));
    default:
      return check?.status === 'pass' ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')) : new vscode.ThemeIcon('circle-large-outline');
  }
}

/** A link in a tooltip that opens a file at a line through our own (palette-hidden) command. */
export function evidenceLink(file: string, line: number | undefined, label: string): string {
  const args = encodeURIComponent(JSON.stringify([{ file, line }]));
  return `[${label.replace(/[[\]]/g, '')}](command:${OPEN_EVIDENCE}?${args})`;
}

function escapeMd(s: string): string {
  return s.replace(/([\\`*_{}[\]<>#|])/g, '\\$1');
}

export class ChecklistTree implements vscode.TreeDataProvider<ChecklistNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ChecklistNode | ChecklistNode[] | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<ChecklistNode>;
  private readonly nodes = new Map<string, ChecklistNode>();
  private available = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];
  /** What each row last showed, so a store change refreshes only rows that look different. */
  private readonly shown = new Map<string, string>();
  private readonly pendingParents = new Set<ChecklistNode>();
  private parentTimer: NodeJS.Timeout | undefined;
  private lastActivityAt = 0;
  /** Ids of rows VS Code has fetched and not forgotten since; only those can be refreshed. */
  private readonly fetched = new Set<string>();

  constructor(private readonly store: ChecklistStore) {
    this.view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, manageCheckboxStateManually: true, showCollapseAll: true });
    this.disposables.push(
      this.view,
      this.changed,
      store.onDidChange((c) => this.onStoreChange(c)),
      this.view.onDidChangeCheckboxState((e) => void this.onCheckboxes(e)),
      this.view.onDidChangeSelection((e) => {
        const n = e.selection[0];
        if (n && n.kind !== 'broken') store.setCurrent(n.repo, n.model);
      }),
    );
    void this.refresh();
  }

  async refresh(): Promise<void> {
    // Item actions come from other features; offer only the ones actually registered.
    this.available = new Set((await vscode.commands.getCommands(true)).filter((c) => c.startsWith('mfluxPort.')));
    this.view.message = this.store.allPorts().length === 0 && this.store.brokenFiles().length > 0 ? 'A checklist file could not be read; open it to fix it.' : undefined;
    this.shown.clear();
    this.pendingParents.clear();
    this.fetched.clear();
    this.changed.fire();
  }

  private onStoreChange(change: ChecklistChange): void {
    if (change.structural) {
      void this.refresh();
      return;
    }
    const items: ChecklistNode[] = [];
    for (const entry of this.store.allPorts().filter((p) => change.ports.has(p.key))) {
      const { model } = entry.state.port;
      const checks = this.store.checksFor(entry.repo, model);
      for (const phase of WORKFLOW) {
        for (const item of phase.items) {
          const node = this.itemNode(entry.repo, model, item.id);
          if (this.markShown(node, JSON.stringify([itemState(entry.state, item.id), checks.get(item.id) ?? null]))) items.push(node);
        }
        const phaseNode = this.phaseNode(entry.repo, model, phase.id);
        if (this.markShown(phaseNode, JSON.stringify([phaseProgress(entry.state, phase), currentPhase(entry.state).id === phase.id]))) this.pendingParents.add(phaseNode);
      }
      // The port row's tooltip also counts verified open items, so any change may alter it.
      this.pendingParents.add(this.portNode(entry.repo, model));
    }
    this.lastActivityAt = Date.now();
    // Leaf rows have no children to forget: refresh them at once (rows never fetched need not be).
    const known = items.filter((n) => this.fetched.has(n.id));
    if (known.length) this.changed.fire(known);
    this.scheduleParents();
  }

  /** Records what a row shows now; true when that differs from what it showed before. */
  private markShown(node: ChecklistNode, signature: string): boolean {
    if (this.shown.get(node.id) === signature) return false;
    this.shown.set(node.id, signature);
    return true;
  }

  private scheduleParents(): void {
    if (this.pendingParents.size === 0 || this.parentTimer) return;
    const wait = Math.max(0, this.lastActivityAt + QUIET_MS - Date.now());
    this.parentTimer = setTimeout(() => {
      this.parentTimer = undefined;
      if (Date.now() - this.lastActivityAt < QUIET_MS) {
        this.scheduleParents();
        return;
      }
      const nodes = [...this.pendingParents].filter((n) => this.fetched.has(n.id));
      this.pendingParents.clear();
      if (nodes.length === 0) return;
      // VS Code forgets the children of a refreshed row until it asks for them again.
      for (const n of nodes) for (const id of [...this.fetched]) if (id !== n.id && this.isDescendant(id, n)) this.fetched.delete(id);
      this.changed.fire(nodes);
    }, wait);
  }

  private isDescendant(id: string, parent: ChecklistNode): boolean {
    if (parent.kind === 'port') return id.startsWith(`phase:${parent.repo}:${parent.model}:`) || id.startsWith(`item:${parent.repo}:${parent.model}:`);
    if (parent.kind === 'phase') {
      const node = this.nodes.get(id);
      return node?.kind === 'item' && node.repo === parent.repo && node.model === parent.model && phaseOf(node.itemId)?.id === parent.phaseId;
    }
    return false;
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
    if (element.kind === 'phase') return (findPhase(element.phaseId)?.items ?? []).map((i) => this.itemNode(element.repo, element.model, i.id));
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
    const progress = formatProgress(portProgress(entry.state));
    ti.description = this.multiRepo() ? `${progress} · ${basename(entry.repo)}` : progress;
    ti.iconPath = new vscode.ThemeIcon('package');
    ti.contextValue = 'mfluxPortPort';
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Port of \`${port.model}\`** — ${progress} done, now in *${phaseLabel(currentPhase(entry.state))}*\n\n`);
    if (port.reference) md.appendMarkdown(`Reference: \`${escapeMd(port.reference)}\`  \n`);
    if (port.referenceRepo) md.appendMarkdown(`Reference repo: \`${escapeMd(port.referenceRepo)}\`  \n`);
    md.appendMarkdown(`mflux repo: \`${escapeMd(entry.repo)}\`  \n`);
    md.appendMarkdown(`State: ${evidenceLink(entry.file, undefined, basename(entry.file))}\n`);
    const checks = this.store.checksFor(entry.repo, port.model);
    const proving = provingItems(this.store.rules);
    const verifiedOpen = [...checks].filter(([id, c]) => c.status === 'pass' && proving.has(id) && isOpen(entry.state, id)).length;
    if (verifiedOpen) md.appendMarkdown(`\n${verifiedOpen} open item(s) are verified by the files: [Check them off](command:${CHECK_VERIFIED}?${encodeURIComponent(JSON.stringify([{ model: port.model, repo: entry.repo }]))})\n`);
    if (port.notes.trim()) md.appendMarkdown(`\n---\n\n${escapeMd(port.notes)}\n`);
    md.isTrusted = { enabledCommands: [OPEN_EVIDENCE, CHECK_VERIFIED] };
    ti.tooltip = md;
    ti.accessibilityInformation = { label: `Port ${port.model}, ${progress} done` };
    return ti;
  }

  private phaseItem(node: ChecklistNode & { kind: 'phase' }, entry: PortEntry): vscode.TreeItem {
    const phase = findPhase(node.phaseId)!;
    const p = phaseProgress(entry.state, phase);
    const isCurrent = currentPhase(entry.state).id === phase.id;
    const ti = new vscode.TreeItem(phaseLabel(phase), isCurrent ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    ti.id = node.id;
    ti.description = formatProgress(p);
    const closed = p.done + p.skipped === p.total;
    ti.iconPath = closed ? new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')) : isCurrent ? new vscode.ThemeIcon('arrow-circle-right') : new vscode.ThemeIcon('circle-large-outline');
    ti.contextValue = 'mfluxPortPhase';
    ti.tooltip = new vscode.MarkdownString(`**${phaseLabel(phase)}** — ${formatProgress(p)}\n\n${phase.summary}`);
    return ti;
  }

  private itemItem(node: ChecklistNode & { kind: 'item' }, entry: PortEntry): vscode.TreeItem {
    const item = findItem(node.itemId)!;
    const s = itemState(entry.state, item.id);
    const check = this.store.checksFor(entry.repo, entry.state.port.model).get(item.id);
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
    const firstNoteLine = s.note.trim().split(/\r?\n/)[0];
    if (firstNoteLine) parts.push(firstNoteLine.length > 40 ? firstNoteLine.slice(0, 39) + '…' : firstNoteLine);
    ti.description = parts.join(' · ');
    ti.iconPath = statusIcon(s.status, absence && s.status !== 'done' ? undefined : check);
    const flags = [`status-${s.status}`];
    if (item.action && this.available.has(item.action.command)) flags.push('action');
    if (item.autoCheck) flags.push('autocheck');
    if (s.evidence.length) flags.push('evidence');
    ti.contextValue = `mfluxPortItem ${flags.join(' ')}`;
    ti.tooltip = this.itemTooltip(item, entry, check);
    ti.accessibilityInformation = { label: `${item.title}, ${STATUS_TEXT[s.status]}${check ? `, auto-check ${check.status}` : ''}` };
    return ti;
  }

  private itemTooltip(item: WorkflowItem, entry: PortEntry, check: CheckResult | undefined): vscode.MarkdownString {
    const s = itemState(entry.state, item.id);
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escapeMd(item.title)}**\n\n`);
    md.appendMarkdown(`*${STATUS_TEXT[s.status]}*${s.changedAt ? ` · changed ${new Date(s.changedAt).toLocaleString()}` : ''}\n\n`);
    md.appendMarkdown(`${item.guidance}\n\n`);
    if (s.note.trim()) md.appendMarkdown(`---\n\n**Note:** ${escapeMd(s.note.trim()).replace(/\r?\n/g, '  \n')}\n\n`);
    if (check) {
      const icon = check.status === 'pass' ? '$(pass)' : check.status === 'fail' ? '$(error)' : '$(question)';
      md.appendMarkdown(`---\n\n**Auto-check** ${icon} ${check.status}: ${escapeMd(check.reason)}\n\n`);
      for (const e of check.evidence.slice(0, 8)) {
        const label = `${vscode.workspace.asRelativePath(e.file, false)}${e.line ? `:${e.line}` : ''}`;
        md.appendMarkdown(`- ${evidenceLink(e.file, e.line, label)}${e.text ? ` — \`${e.text.replace(/`/g, "'").slice(0, 80)}\`` : ''}\n`);
      }
      md.appendMarkdown('\n');
    }
    if (s.evidence.length) {
      md.appendMarkdown(`**Evidence:**\n`);
      for (const e of s.evidence) {
        if (e.kind === 'commit') md.appendMarkdown(`- commit \`${e.target.slice(0, 12)}\`${e.label ? ` ${escapeMd(e.label)}` : ''}\n`);
        else if (e.kind === 'url') md.appendMarkdown(`- [${escapeMd(e.label ?? e.target)}](${e.target})\n`);
        else md.appendMarkdown(`- ${evidenceLink(e.target, e.line, e.label ?? `${e.target}${e.line ? `:${e.line}` : ''}`)}\n`);
      }
      md.appendMarkdown('\n');
    }
    if (item.action) md.appendMarkdown(`Action: *${item.action.title}*${this.available.has(item.action.command) ? '' : ' (not available in this window)'}\n`);
    md.isTrusted = { enabledCommands: [OPEN_EVIDENCE] };
    return md;
  }

  private brokenItem(node: ChecklistNode & { kind: 'broken' }): vscode.TreeItem {
    const b = this.store.brokenFiles().find((x) => x.file === node.file);
    const ti = new vscode.TreeItem(basename(node.file), vscode.TreeItemCollapsibleState.None);
    ti.id = node.id;
    ti.description = b ? b.error.reason : 'cannot be read';
    ti.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    ti.tooltip = new vscode.MarkdownString(`**${escapeMd(node.file)}** cannot be used: ${escapeMd(b?.error.reason ?? 'unknown reason')}\n\nThe file is left untouched. Click to open it and fix it; the checklist reloads when it is saved.`);
    ti.contextValue = 'mfluxPortBroken';
    ti.command = { command: OPEN_STATE_FILE, title: 'Open State File', arguments: [node] };
    return ti;
  }

  // ------------------------------------------------------------- events

  private async onCheckboxes(e: vscode.TreeCheckboxChangeEvent<ChecklistNode>): Promise<void> {
    this.lastActivityAt = Date.now();
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
    clearTimeout(this.parentTimer);
    this.disposables.forEach((d) => d.dispose());
  }
}
