// The checklist tree asks VS Code for as few refreshes as possible: a full refresh makes VS Code's
// extension host forget every row until the window fetches it again, and a checkbox click on a
// forgotten row is dropped (the e2e "restricted mode" test lost its one tick so, now and then,
// when the start-up refreshes came late on a loaded machine). Driven through a fake `vscode`.
import { fake, EventEmitter } from './fakeVscode';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChecklistChange, ChecklistStore, PortEntry } from '../../../src/features/checklist/store';
import { ChecklistTree, type ChecklistNode } from '../../../src/features/checklist/tree';
import { RuleRegistry } from '../../../src/core/checklist/rules';
import { newPortState, setItemStatus, type PortState } from '../../../src/core/checklist/state';
import { WORKFLOW } from '../../../src/core/checklist/workflow';

const REPO = '/work/mflux';

function portState(model: string): PortState {
  return newPortState({ model, mfluxRepo: REPO, reference: 'Tongyi-MAI/Z-Image-Turbo', notes: '' }, new Date('2026-01-01T00:00:00Z'));
}

/** The store surface the tree uses, over a list of ports the test changes. */
function fakeStore(initial: PortState[]) {
  const changed = new EventEmitter<ChecklistChange>();
  let ports: PortEntry[] = [];
  const set = (states: PortState[]) =>
    (ports = states.map((state) => ({
      key: `${REPO}\0${state.port.model}`,
      repo: REPO,
      state,
      file: `${REPO}/.mflux-port/${state.port.model}.json`,
    })));
  set(initial);
  const store = {
    rules: new RuleRegistry(),
    onDidChange: changed.event,
    allPorts: () => ports,
    brokenFiles: () => [],
    current: () => ports[0],
    setCurrent: () => undefined,
    find: (repo: string, model: string) => ports.find((p) => p.repo === repo && p.state.port.model === model),
    checksFor: () => new Map(),
  };
  return {
    store: store as unknown as ChecklistStore,
    /** Replaces the ports and fires what ChecklistStore.reload fires. */
    load(states: PortState[], structural: boolean) {
      set(states);
      changed.fire({ structural, ports: new Set(ports.map((p) => p.key)) });
    },
  };
}

/** What the window does when it shows the view: fetch the root, the port, its expanded first phase, and their items. */
function showRows(tree: ChecklistTree): ChecklistNode[] {
  const [port] = tree.getChildren();
  const phases = tree.getChildren(port);
  const items = tree.getChildren(phases[0]);
  for (const n of [port, ...phases, ...items]) tree.getTreeItem(n);
  return items;
}

const settle = () => new Promise((r) => setImmediate(r));
const fullRefreshes = (refreshes: unknown[]) => refreshes.filter((e) => e === undefined).length;

test('start-up: the store loading the ports VS Code already shows makes no full refresh', async () => {
  const { store, load } = fakeStore([portState('z_image')]);
  const tree = new ChecklistTree(store);
  const view = fake.views.at(-1)!;
  showRows(tree); // the window fetched the rows before the constructor's refresh and the first load finished
  load([portState('z_image')], true); // ChecklistStore's first reload: the ports "came", structurally
  await settle();
  assert.equal(fullRefreshes(view.refreshes), 0, `refreshes asked for: ${JSON.stringify(view.refreshes)}`);
  tree.dispose();
});

test('a port that appears refreshes the whole tree once; one that is already shown does not', async () => {
  const { store, load } = fakeStore([]);
  const tree = new ChecklistTree(store);
  const view = fake.views.at(-1)!;
  assert.deepEqual(tree.getChildren(), [], 'no port yet: the welcome view');
  await settle();
  load([portState('z_image')], true);
  await settle();
  assert.equal(fullRefreshes(view.refreshes), 1, 'the new port needs the root fetched again');
  const [port] = tree.getChildren();
  assert.equal(port.kind === 'port' && port.model, 'z_image');
  load([portState('z_image'), portState('qwen_image')], true);
  await settle();
  assert.equal(fullRefreshes(view.refreshes), 2, 'a second port is a new top-level row');
  tree.getChildren();
  load([portState('z_image'), portState('qwen_image')], true);
  await settle();
  assert.equal(fullRefreshes(view.refreshes), 2, 'the same two ports again: nothing to fetch');
  tree.dispose();
});

test('a tick refreshes only the row that changed', async () => {
  const z = portState('z_image');
  const { store, load } = fakeStore([z]);
  const tree = new ChecklistTree(store);
  const view = fake.views.at(-1)!;
  const items = showRows(tree);
  await settle();
  view.refreshes.length = 0;
  const id = WORKFLOW[0].items[1].id;
  load([setItemStatus(z, id, 'done')], false);
  await settle();
  assert.equal(view.refreshes.length, 1, `refreshes asked for: ${JSON.stringify(view.refreshes)}`);
  assert.deepEqual(view.refreshes[0], [items[1]]);
  const ti = tree.getTreeItem(items[1]) as { checkboxState?: { state: number } };
  assert.equal(ti.checkboxState?.state, 1, 'the row now shows its tick');
  tree.dispose();
});
