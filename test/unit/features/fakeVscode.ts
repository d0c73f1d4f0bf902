// A stand-in for the `vscode` module, enough to construct the checklist tree outside VS Code.
// Importing this file first makes `import * as vscode from 'vscode'` in src/features resolve to
// it. The tree view records what the provider asks VS Code to refresh: `undefined` is a full
// refresh (VS Code then forgets every row, and drops a checkbox click on one until it fetched
// the row again), an array names the rows refreshed one by one.
import Module from 'node:module';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (l: Listener<T>) => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

class TreeItem {
  [key: string]: unknown;
  constructor(
    readonly label: string,
    readonly collapsibleState?: number,
  ) {}
}

class MarkdownString {
  value = '';
  isTrusted: unknown;
  constructor(value = '') {
    this.value = value;
  }
  appendMarkdown(s: string): this {
    this.value += s;
    return this;
  }
}

export interface FakeTreeView {
  message?: string;
  description?: string;
  /** Every onDidChangeTreeData event of the provider, in order. */
  readonly refreshes: unknown[];
  readonly checkboxes: EventEmitter<unknown>;
}

export const fake = {
  commands: ['mfluxPort.startPort'] as string[],
  views: [] as FakeTreeView[],
};

const vscode = {
  EventEmitter,
  TreeItem,
  MarkdownString,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  TreeItemCheckboxState: { Unchecked: 0, Checked: 1 },
  ThemeIcon: class {
    constructor(
      readonly id: string,
      readonly color?: unknown,
    ) {}
  },
  ThemeColor: class {
    constructor(readonly id: string) {}
  },
  FileDecoration: class {
    constructor(
      readonly badge?: string,
      readonly tooltip?: string,
      readonly color?: unknown,
    ) {}
  },
  Uri: {
    from: (c: { scheme: string; path: string }) => ({ ...c, toString: () => `${c.scheme}:${c.path}` }),
    file: (p: string) => ({ scheme: 'file', path: p, fsPath: p }),
  },
  window: {
    createTreeView: (_id: string, opts: { treeDataProvider: { onDidChangeTreeData: (l: Listener<unknown>) => unknown } }) => {
      const checkboxes = new EventEmitter<unknown>();
      const view: FakeTreeView & Record<string, unknown> = {
        refreshes: [],
        checkboxes,
        onDidChangeCheckboxState: checkboxes.event,
        onDidChangeSelection: new EventEmitter<unknown>().event,
        reveal: async () => undefined,
        dispose: () => undefined,
      };
      opts.treeDataProvider.onDidChangeTreeData((e) => view.refreshes.push(e));
      fake.views.push(view);
      return view;
    },
    registerFileDecorationProvider: () => ({ dispose: () => undefined }),
    showErrorMessage: async () => undefined,
  },
  commands: { getCommands: async () => [...fake.commands] },
  workspace: { asRelativePath: (p: unknown) => String(p) },
};

const FAKE_ID = '\0fake-vscode';
const M = Module as unknown as {
  _resolveFilename: (request: string, ...rest: unknown[]) => string;
  _cache: Record<string, unknown>;
};
const resolve = M._resolveFilename;
M._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? FAKE_ID : resolve.call(this, request, ...rest);
};
M._cache[FAKE_ID] = { id: FAKE_ID, filename: FAKE_ID, loaded: true, exports: vscode };
