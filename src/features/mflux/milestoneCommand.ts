// mfluxPort.commitMilestone: commit the mflux repo's tracked changes as "VAE done" (etc.),
// offering to stage the port's new (untracked) package files first and warning when the
// milestone's checklist items are still open; refuses while the change carries probe calls or
// dumps, and records the commit on the checklist item. Runs git (and so the repo's hooks):
// Workspace Trust required. Arguments for scripts and tests: `message`, `stage` ("all",
// "none" or a list of repo-relative files), `openItems: "commit"` (do not ask).
import * as vscode from 'vscode';
import { addEvidence, setItemStatus } from '../../core/checklist/state';
import { commitMilestone, MilestoneRefused } from '../../core/mflux/milestone';
import { MILESTONE_MESSAGES, milestoneItemFor, newPackageFiles, openMilestoneItems } from '../../core/mflux/milestonePlan';
import { guarded, requireTrust, type MfluxContext, type PortTarget } from './context';
import { isObject } from '../../protocol/envelope';

export { milestoneItemFor } from '../../core/mflux/milestonePlan';

/** Which untracked package files to stage: the argument's choice, else the user's pick (all ticked). */
async function filesToStage(t: PortTarget, choice: unknown): Promise<string[] | undefined> {
  const found = await newPackageFiles(t.root, t.model);
  if (!found.length || choice === 'none') return [];
  if (choice === 'all') return found;
  if (Array.isArray(choice)) return found.filter((f) => choice.includes(f));
  const picked = await vscode.window.showQuickPick(
    found.map((f) => ({ label: f, picked: true })),
    {
      canPickMany: true,
      title: `Commit Milestone: ${found.length} new file(s) of ${t.model} are not tracked yet`,
      placeHolder: 'Ticked files are staged and committed with the milestone (untick to leave a file out)',
    },
  );
  return picked?.map((p) => p.label);
}

export function registerMilestone(ctx: MfluxContext, showFindings: (root: string, model?: string) => Promise<number>): vscode.Disposable {
  return vscode.commands.registerCommand(
    'mfluxPort.commitMilestone',
    requireTrust(
      'Commit Milestone',
      guarded(async (arg?: unknown) => {
        const t = await ctx.target(arg);
        if (!t) return undefined;
        const a = isObject(arg) ? arg : {};
        let message = typeof a.message === 'string' ? a.message : undefined;
        if (message === undefined) {
          message = await vscode.window.showInputBox({
            title: `Commit Milestone (${t.root})`,
            prompt: 'Commits every tracked change of the mflux repo (and the new package files you pick) with this message',
            value: (t.itemId && MILESTONE_MESSAGES[t.itemId]) || 'VAE done',
            validateInput: (v) => (v.trim() ? undefined : 'a milestone needs a message'),
          });
          if (message === undefined) return undefined;
        }
        const itemId = t.itemId ?? milestoneItemFor(message);
        const store = ctx.checklist?.store;
        const entry = store?.find(t.root, t.model);
        const open = itemId && entry ? openMilestoneItems(entry.state, itemId) : [];
        if (open.length && a.openItems !== 'commit') {
          const go = 'Commit Anyway';
          const names = open.map((i) => `"${i.title}"`).join(', ');
          const pick = await vscode.window.showWarningMessage(
            `mflux Port: ${open.length} item(s) of this milestone are still open: ${names}. Commit "${message.trim()}" anyway?`,
            { modal: true },
            go,
          );
          if (pick !== go) return { cancelled: true, openItems: open.map((i) => i.id) };
        }
        const stage = await filesToStage(t, a.stage);
        if (stage === undefined) return { cancelled: true };
        const cfg = ctx.hygieneConfig(vscode.Uri.file(t.root));
        try {
          const r = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: `Committing "${message.trim()}"…` },
            () => commitMilestone(t.root, message!, cfg, { stage }),
          );
          if (itemId && store?.find(t.root, t.model)) {
            await store.update(t.root, t.model, (s) =>
              setItemStatus(addEvidence(s, itemId, { kind: 'commit', target: r.sha, label: r.message }), itemId, 'done'),
            );
          }
          void vscode.window.showInformationMessage(
            `mflux Port: committed "${r.message}" as ${r.sha.slice(0, 10)} (${r.files.length} file(s)${stage.length ? `, ${stage.length} newly staged` : ''})${itemId && store ? ' and recorded it on the checklist' : ''}${open.length ? `; ${open.length} item(s) of it are still open` : ''}.`,
          );
          return { ...r, staged: stage, openItems: open.map((i) => i.id) };
        } catch (e) {
          if (!(e instanceof MilestoneRefused)) throw e;
          void showFindings(t.root, t.model);
          const first = e.message.split('\n').slice(1, 4).join('; ');
          const openFirst = 'Open First';
          const pick = await vscode.window.showErrorMessage(
            `mflux Port: milestone not committed, the change still contains debug code: ${first}${e.findings.length > 3 ? ` (+${e.findings.length - 3} more, see Problems)` : ''}`,
            openFirst,
          );
          if (pick === openFirst) {
            const f = e.findings[0];
            await vscode.window.showTextDocument(vscode.Uri.file(f.file), {
              selection: new vscode.Range(f.line - 1, f.column - 1, f.line - 1, f.endColumn - 1),
            });
          }
          return { refused: e.findings.map((f) => ({ file: f.file, line: f.line, column: f.column, ruleId: f.ruleId })) };
        }
      }),
    ),
  );
}
