// Where a port stands: counts, the next open item, the current phase.
// Skipped items leave the total: "12/41" reads as 12 done of the 41 that apply.
import { itemState, PortState } from './state';
import { WORKFLOW, WorkflowItem, WorkflowPhase } from './workflow';

export interface Progress {
  readonly done: number;
  readonly inProgress: number;
  readonly todo: number;
  readonly skipped: number;
  /** Items that apply: all minus skipped. */
  readonly applicable: number;
  readonly total: number;
}

function count(state: PortState, items: readonly WorkflowItem[]): Progress {
  let done = 0;
  let inProgress = 0;
  let todo = 0;
  let skipped = 0;
  for (const item of items) {
    const s = itemState(state, item.id).status;
    if (s === 'done') done++;
    else if (s === 'in_progress') inProgress++;
    else if (s === 'skipped') skipped++;
    else todo++;
  }
  return { done, inProgress, todo, skipped, applicable: items.length - skipped, total: items.length };
}

export function portProgress(state: PortState, workflow: readonly WorkflowPhase[] = WORKFLOW): Progress {
  return count(
    state,
    workflow.flatMap((p) => p.items),
  );
}

export function phaseProgress(state: PortState, phase: WorkflowPhase): Progress {
  return count(state, phase.items);
}

/** "12/41", with the skipped count when there is one: "12/41 · 3 skipped". */
export function formatProgress(p: Progress): string {
  return p.skipped ? `${p.done}/${p.applicable} · ${p.skipped} skipped` : `${p.done}/${p.applicable}`;
}

function isOpen(state: PortState, itemId: string): boolean {
  const s = itemState(state, itemId).status;
  return s === 'todo' || s === 'in_progress';
}

/** The first open (todo or in progress) item in workflow order, or undefined when all are closed. */
export function nextOpenItem(
  state: PortState,
  workflow: readonly WorkflowPhase[] = WORKFLOW,
): { phase: WorkflowPhase; item: WorkflowItem } | undefined {
  for (const phase of workflow) {
    for (const item of phase.items) if (isOpen(state, item.id)) return { phase, item };
  }
  return undefined;
}

/** The phase of the next open item; the last phase when everything is closed. */
export function currentPhase(state: PortState, workflow: readonly WorkflowPhase[] = WORKFLOW): WorkflowPhase {
  return nextOpenItem(state, workflow)?.phase ?? workflow[workflow.length - 1];
}
