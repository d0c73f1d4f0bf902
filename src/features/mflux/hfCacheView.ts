// The Hugging Face cache as a tree in the mflux Port container: repos → snapshots →
// components → tensors by dotted prefix with repeated blocks folded (`blocks.{0..27}`).
// Headers only; values are read when the user peeks at one tensor.
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { formatBytes, formatCount, buildTensorTree, flattenTree, type TreeNode } from '../../core/mflux/tensorTree';
import {
  listComponents,
  listRepos,
  listSnapshots,
  locateHfCache,
  readComponentTensors,
  type CachedRepo,
  type Component,
  type ComponentTensors,
  type Snapshot,
} from '../../core/mflux/hfCache';
import { openTensors } from '../../core/tensors/index';
import { tensorStats } from '../../core/tensors/stats';
import { guarded, type MfluxContext } from './context';

type Node =
  | { kind: 'repo'; repo: CachedRepo }
  | { kind: 'snapshot'; repo: CachedRepo; snap: Snapshot }
  | { kind: 'component'; snap: Snapshot; comp: Component; parent: Node }
  | { kind: 'tensor'; node: TreeNode; comp: Component; parent: Node }
  | { kind: 'file'; path: string; name: string; broken: boolean; parent: Node };

/** What a row of the cache tree shows and does. */
interface ItemParts {
  readonly description?: string;
  /** A codicon name. */
  readonly icon: string;
  readonly tooltip?: string;
  readonly contextValue: string;
  readonly id: string;
  readonly command?: vscode.Command;
}

function treeItem(label: string, state: vscode.TreeItemCollapsibleState, parts: ItemParts): vscode.TreeItem {
  const item = new vscode.TreeItem(label, state);
  item.description = parts.description;
  item.iconPath = new vscode.ThemeIcon(parts.icon);
  item.tooltip = parts.tooltip;
  item.contextValue = parts.contextValue;
  item.id = parts.id;
  item.command = parts.command;
  return item;
}

/** `blocks.{0..27}.attn.wq.weight` → `blocks.{block}.attn.wq.weight`, the form mappings use. */
function placeholderName(path: string): string {
  return path.replace(/\{[\d.,]+\}/g, '{block}');
}

export class HfCacheView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly tensors = new Map<string, Promise<ComponentTensors>>();
  /** Headers already read, for the component row's totals. */
  private readonly loaded = new Map<string, ComponentTensors>();
  private readonly children = new Map<string, Node[]>();
  private readonly view: vscode.TreeView<Node>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: MfluxContext) {
    this.view = vscode.window.createTreeView('mfluxPort.hfCache', { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.view,
      this.changed,
      vscode.commands.registerCommand('mfluxPort.browseHfCache', () => vscode.commands.executeCommand('mfluxPort.hfCache.focus')),
      vscode.commands.registerCommand('mfluxPort.hfCache.refresh', () => this.refresh()),
      vscode.commands.registerCommand(
        'mfluxPort.hfCache.copyName',
        guarded((n?: Node) => this.copyName(n)),
      ),
      vscode.commands.registerCommand(
        'mfluxPort.hfCache.peek',
        guarded((n?: Node) => this.peek(n)),
      ),
      vscode.commands.registerCommand(
        'mfluxPort.hfCache.search',
        guarded((n?: Node) => this.search(n)),
      ),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mfluxPort.hfCache')) this.refresh();
      }),
    );
  }

  refresh(): void {
    this.tensors.clear();
    this.loaded.clear();
    this.children.clear();
    this.changed.fire(undefined);
  }

  private location() {
    return locateHfCache(process.env, undefined, this.ctx.hfCacheSetting());
  }

  private componentTensors(comp: Component): Promise<ComponentTensors> {
    let p = this.tensors.get(comp.dir);
    if (!p) {
      p = readComponentTensors(comp.dir);
      this.tensors.set(comp.dir, p);
      void p.then((t) => {
        this.loaded.set(comp.dir, t);
      });
    }
    return p;
  }

  getTreeItem(n: Node): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (n.kind) {
      case 'repo':
        return treeItem(n.repo.id, C.Collapsed, {
          description: n.repo.kind === 'model' ? undefined : n.repo.kind,
          icon: 'repo',
          tooltip: n.repo.dir,
          contextValue: 'mfluxHfRepo',
          id: n.repo.dir,
        });
      case 'snapshot':
        return treeItem(n.snap.revision.slice(0, 12), C.Collapsed, {
          description: n.snap.refs.join(', '),
          icon: 'git-commit',
          tooltip: n.snap.dir,
          contextValue: 'mfluxHfSnapshot',
          id: n.snap.dir,
        });
      case 'component': {
        const broken = n.comp.files.filter((f) => f.broken).length;
        const t = this.loaded.get(n.comp.dir);
        const totals = t ? ` · ${formatCount(t.params)} params · ${formatBytes(t.bytes)}` : '';
        return treeItem(n.comp.name || '(root)', C.Collapsed, {
          description: `${n.comp.files.filter((f) => f.kind === 'safetensors').length} weight file(s)${totals}${broken ? ` · ${broken} not downloaded` : ''}`,
          icon: broken ? 'warning' : 'package',
          tooltip: n.comp.dir,
          contextValue: 'mfluxHfComponent',
          id: `${n.comp.dir}#`,
        });
      }
      case 'tensor': {
        const t = n.node;
        const leaf = !!t.tensor && !t.children.length;
        const shape = leaf ? `${t.tensor!.dtype}[${t.tensor!.shape.join(', ')}]${t.shapeVaries ? ' (varies)' : ''}` : '';
        return treeItem(t.label, leaf ? C.None : C.Collapsed, {
          description: leaf
            ? `${shape} · ${formatCount(t.params)}${t.indices ? ` in ${t.indices.length}` : ''}`
            : `${formatCount(t.params)} params · ${formatBytes(t.bytes)}${t.indices ? ` · ×${t.indices.length}` : ''}`,
          icon: leaf ? 'symbol-array' : t.indices ? 'layers' : 'symbol-namespace',
          tooltip: `${t.path}\n${t.tensorCount} tensor(s), ${t.params.toLocaleString()} parameters, ${formatBytes(t.bytes)}`,
          contextValue: leaf ? 'mfluxHfTensor' : 'mfluxHfGroup',
          id: `${n.comp.dir}#${t.path}`,
          command: leaf ? { command: 'mfluxPort.hfCache.peek', title: 'Peek Values', arguments: [n] } : undefined,
        });
      }
      case 'file':
        return treeItem(n.name, C.None, {
          description: n.broken ? 'not downloaded' : undefined,
          icon: n.broken ? 'warning' : 'file',
          contextValue: 'mfluxHfFile',
          id: n.path,
          command: n.broken ? undefined : { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(n.path)] },
        });
    }
  }

  async getChildren(n?: Node): Promise<Node[]> {
    if (!n) {
      const loc = this.location();
      if (!loc.exists) {
        this.view.message = `No Hugging Face cache at ${loc.dir} (${loc.source}). Set mfluxPort.hfCache.path or HF_HUB_CACHE.`;
        return [];
      }
      const repos = listRepos(loc.dir).filter((r) => r.kind === 'model');
      this.view.message = repos.length ? undefined : `The cache at ${loc.dir} holds no models yet.`;
      return repos.map((repo) => ({ kind: 'repo', repo }));
    }
    if (n.kind === 'repo') return listSnapshots(n.repo).map((snap) => ({ kind: 'snapshot', repo: n.repo, snap }));
    if (n.kind === 'snapshot') {
      const out: Node[] = listComponents(n.snap.dir).map((comp) => ({ kind: 'component', snap: n.snap, comp, parent: n }));
      return out;
    }
    if (n.kind === 'component') {
      const key = `c:${n.comp.dir}`;
      const cached = this.children.get(key);
      if (cached) return cached;
      const t = await this.componentTensors(n.comp);
      for (const e of t.errors) void vscode.window.showWarningMessage(`mflux Port: ${e}`);
      this.loaded.set(n.comp.dir, t);
      setTimeout(() => this.changed.fire(n), 0); // the row's description now has totals
      const tree = buildTensorTree(t.tensors, n.comp.name);
      const nodes: Node[] = [
        ...tree.children.map((node) => ({ kind: 'tensor' as const, node, comp: n.comp, parent: n })),
        ...n.comp.files
          .filter((f) => f.kind !== 'safetensors')
          .map((f) => ({ kind: 'file' as const, path: f.path, name: f.name, broken: f.broken, parent: n })),
      ];
      this.children.set(key, nodes);
      return nodes;
    }
    if (n.kind === 'tensor') {
      const key = `t:${n.comp.dir}#${n.node.path}`;
      let cached = this.children.get(key);
      if (!cached) {
        cached = n.node.children.map((node) => ({ kind: 'tensor' as const, node, comp: n.comp, parent: n }));
        this.children.set(key, cached);
      }
      return cached;
    }
    return [];
  }

  getParent(n: Node): Node | undefined {
    if (n.kind === 'snapshot') return { kind: 'repo', repo: n.repo };
    if (n.kind === 'component' || n.kind === 'tensor' || n.kind === 'file') return n.parent;
    return undefined;
  }

  private async copyName(n?: Node): Promise<string | undefined> {
    const target = n ?? this.view.selection[0];
    if (!target || target.kind !== 'tensor') return undefined;
    const name = target.node.indices || /\{/.test(target.node.path) ? placeholderName(target.node.path) : target.node.path;
    await vscode.env.clipboard.writeText(name);
    vscode.window.setStatusBarMessage(`Copied ${name}`, 3000);
    return name;
  }

  /** Concrete name of a (possibly folded) tensor node: the first block's. */
  private concreteName(node: TreeNode): string {
    return node.path.replace(/\{(\d+)[^}]*\}/g, '$1');
  }

  private async peek(n?: Node): Promise<unknown> {
    const target = n ?? this.view.selection[0];
    if (!target || target.kind !== 'tensor' || !target.node.tensor) return undefined;
    const name = this.concreteName(target.node);
    const info = target.node.tensor;
    const file = info.file;
    if (!file) throw new Error(`no file recorded for ${name}`);
    const src = await openTensors(file);
    try {
      const s = await vscode.window.withProgress({ location: { viewId: 'mfluxPort.hfCache' } }, () => tensorStats(src, info.name));
      const fmt = (x: number | null) => (x === null ? '—' : Number.isInteger(x) ? String(x) : x.toPrecision(6));
      const text = `${name} ${info.dtype}[${info.shape.join(', ')}]: min ${fmt(s.min)}, max ${fmt(s.max)}, mean ${fmt(s.mean)}, std ${fmt(s.std)}${s.nan ? `, ${s.nan} NaN` : ''}${s.inf ? `, ${s.inf} inf` : ''}; first: ${s.first.slice(0, 8).map(fmt).join(', ')}`;
      const copy = 'Copy';
      void vscode.window.showInformationMessage(text, copy).then((p) => {
        if (p === copy) void vscode.env.clipboard.writeText(text);
      });
      return { name, ...s, file: dirname(file) };
    } finally {
      await src.close();
    }
  }

  /** Searches tensor names of one snapshot (all components) and reveals the pick. */
  private async search(n?: Node): Promise<string | undefined> {
    let snapNode: Node | undefined = n ?? this.view.selection[0];
    while (snapNode && snapNode.kind !== 'snapshot') snapNode = snapNode.kind === 'repo' ? undefined : this.getParent(snapNode);
    if (!snapNode) {
      const loc = this.location();
      const snaps = listRepos(loc.dir)
        .filter((r) => r.kind === 'model')
        .flatMap((repo) =>
          listSnapshots(repo)
            .slice(0, 1)
            .map((snap) => ({ label: repo.id, description: snap.revision.slice(0, 12), repo, snap })),
        );
      const pick = await vscode.window.showQuickPick(snaps, { placeHolder: 'Search tensors of which cached model?' });
      if (!pick) return undefined;
      snapNode = { kind: 'snapshot', repo: pick.repo, snap: pick.snap };
    }
    type Item = vscode.QuickPickItem & { node: Node };
    const items: Item[] = [];
    for (const comp of await this.getChildren(snapNode)) {
      if (comp.kind !== 'component') continue;
      const walk = async (parent: Node) => {
        for (const c of await this.getChildren(parent)) {
          if (c.kind !== 'tensor') continue;
          if (c.node.tensor && !c.node.children.length)
            items.push({
              label: c.node.path,
              description: `${comp.comp.name} · ${c.node.tensor.dtype}[${c.node.tensor.shape.join(', ')}]`,
              node: c,
            });
          else await walk(c);
        }
      };
      await walk(comp);
    }
    const pick = await vscode.window.showQuickPick(items, {
      placeHolder: `${items.length} tensors (folded blocks shown once); type to filter`,
      matchOnDescription: true,
    });
    if (!pick) return undefined;
    await this.view.reveal(pick.node, { select: true, focus: true, expand: false });
    return pick.label;
  }

  /** All tensor leaves of a component (for tests and other features). */
  async leaves(compDir: string): Promise<string[]> {
    const t = await readComponentTensors(compDir);
    return flattenTree(buildTensorTree(t.tensors)).map((x) => x.path);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
