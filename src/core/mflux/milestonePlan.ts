// What a milestone commit is about, before it is made: which checklist item it closes, which
// items of that stretch are still open, and which new files of the port's package git does
// not track yet (a fresh package is all untracked, so `commit -a` alone would leave it out).
import { itemState, type PortState } from '../checklist/state';
import { WORKFLOW, type WorkflowItem, type WorkflowPhase } from '../checklist/workflow';
import { run } from './exec';
import { DEFAULT_TENSOR_EXTENSIONS } from './hygiene';

/** Suggested message per milestone item (each milestone item of the workflow carries its own). */
export const MILESTONE_MESSAGES: Readonly<Record<string, string>> = Object.fromEntries(
  WORKFLOW.flatMap((p) => p.items).flatMap((i) => (i.milestone === undefined ? [] : [[i.id, i.milestone]])),
);

/** The milestone item a message names ("VAE done" → order.milestoneVae). */
export function milestoneItemFor(message: string): string | undefined {
  const m = message.toLowerCase();
  if (/\bvae\b/.test(m)) return 'order.milestoneVae';
  if (/\btransformer\b/.test(m)) return 'order.milestoneTransformer';
  if (/\btext[ _-]?encoder\b/.test(m)) return 'order.milestoneTextEncoder';
  return undefined;
}

/**
 * The items a milestone closes: those of its phase after the previous milestone item (or the
 * phase start) and before it, still open (to do or in progress; skipped ones are closed).
 */
export function openMilestoneItems(state: PortState, milestoneId: string, workflow: readonly WorkflowPhase[] = WORKFLOW): WorkflowItem[] {
  const phase = workflow.find((p) => p.items.some((i) => i.id === milestoneId));
  if (!phase) return [];
  const at = phase.items.findIndex((i) => i.id === milestoneId);
  const isMilestone = (i: WorkflowItem) => i.id in MILESTONE_MESSAGES || i.action?.command === 'mfluxPort.commitMilestone';
  let from = 0;
  for (let k = at - 1; k >= 0; k--)
    if (isMilestone(phase.items[k])) {
      from = k + 1;
      break;
    }
  return phase.items.slice(from, at).filter((i) => {
    const s = itemState(state, i.id).status;
    return s === 'todo' || s === 'in_progress';
  });
}

/**
 * Files under the port's package that git does not track and does not ignore (repo-relative,
 * forward slashes), tensor files left out: the new code a milestone would otherwise miss.
 */
export async function newPackageFiles(repo: string, model: string, signal?: AbortSignal): Promise<string[]> {
  const r = await run(
    'git',
    ['-c', 'core.quotePath=false', 'ls-files', '--others', '--exclude-standard', '-z', '--', `src/mflux/models/${model}/`],
    {
      cwd: repo,
      signal,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
    },
  );
  if (r.exitCode !== 0) return [];
  const tensor = new Set(DEFAULT_TENSOR_EXTENSIONS);
  return r.stdout
    .split('\0')
    .filter(Boolean)
    .filter((f) => !tensor.has(f.slice(f.lastIndexOf('.')).toLowerCase()))
    .sort();
}
