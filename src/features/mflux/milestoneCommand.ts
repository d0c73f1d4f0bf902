// mfluxPort.commitMilestone: commit the mflux repo's tracked changes as "VAE done" (etc.),
// refusing while the change carries probe calls or dumps, and record the commit on the
// checklist item. Runs git (and so the repo's hooks): Workspace Trust required.
import * as vscode from 'vscode';
import { addEvidence, setItemStatus } from '../../core/checklist/state';
import { commitMilestone, MilestoneRefused } from '../../core/mflux/milestone';
import { guarded, requireTrust, type MfluxContext } from './context';
import { isObject } from '../../protocol/envelope';

/** Suggested message per checklist item. */
const MESSAGES: Record<string, string> = {
  'order.milestoneVae': 'VAE done',
  'order.milestoneTransformer': 'transformer done',
  'order.milestoneTextEncoder': 'text encoder done',
};

export function milestoneItemFor(message: string): string | undefined {
  const m = message.toLowerCase();
  if (/\bvae\b/.test(m)) return 'order.milestoneVae';
  if (/\btransformer\b/.test(m)) return 'order.milestoneTransformer';
  if (/\btext[ _-]?encoder\b/.test(m)) return 'order.milestoneTextEncoder';
  return undefined;
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
            prompt: 'Commits every tracked change of the mflux repo with this message',
            value: (t.itemId && MESSAGES[t.itemId]) || 'VAE done',
            validateInput: (v) => (v.trim() ? undefined : 'a milestone needs a message'),
          });
          if (message === undefined) return undefined;
        }
        const cfg = ctx.hygieneConfig(vscode.Uri.file(t.root));
        try {
          const r = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: `Committing "${message.trim()}"…` },
            () => commitMilestone(t.root, message!, cfg),
          );
          const itemId = t.itemId ?? milestoneItemFor(r.message);
          const store = ctx.checklist?.store;
          if (itemId && store?.find(t.root, t.model)) {
            await store.update(t.root, t.model, (s) =>
              setItemStatus(addEvidence(s, itemId, { kind: 'commit', target: r.sha, label: r.message }), itemId, 'done'),
            );
          }
          void vscode.window.showInformationMessage(
            `mflux Port: committed "${r.message}" as ${r.sha.slice(0, 10)} (${r.files.length} file(s))${itemId && store ? ' and recorded it on the checklist' : ''}.`,
          );
          return r;
        } catch (e) {
          if (!(e instanceof MilestoneRefused)) throw e;
          void showFindings(t.root, t.model);
          const first = e.message.split('\n').slice(1, 4).join('; ');
          const open = 'Open First';
          const pick = await vscode.window.showErrorMessage(
            `mflux Port: milestone not committed, the change still contains debug code: ${first}${e.findings.length > 3 ? ` (+${e.findings.length - 3} more, see Problems)` : ''}`,
            open,
          );
          if (pick === open) {
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
