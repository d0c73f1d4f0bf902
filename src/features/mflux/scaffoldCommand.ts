// mfluxPort.createModelPackage: the canonical package layout as a workspace edit the user
// previews and confirms (Refactor Preview), undoable as one step; existing files are skipped.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  planModelPackage,
  scriptEntryInsertion,
  type LineInsertion,
  type PlannedFile,
  type ScaffoldOptions,
} from '../../core/mflux/scaffold';
import { invalidModelName, toPackageName } from '../../core/mflux/naming';
import { guarded, listModels, type MfluxContext } from './context';
import { isObject } from '../../protocol/envelope';

/**
 * Applies planned files as one undoable workspace edit, previewed first when `confirm`.
 * VS Code previews an edit when some entry needs confirmation, and leaves exactly those
 * entries unticked. So with an optional extra (the pyproject wiring) the files come ticked and
 * the extra unticked; without one, the files themselves need ticking.
 */
export async function applyPlannedFiles(
  files: readonly PlannedFile[],
  label: string,
  confirm = true,
  optional?: LineInsertion & { label: string },
): Promise<boolean> {
  const edit = new vscode.WorkspaceEdit();
  const meta: vscode.WorkspaceEditEntryMetadata = {
    needsConfirmation: confirm && !optional,
    label,
    description: `${files.length} new file(s)`,
  };
  for (const f of files) {
    const uri = vscode.Uri.file(f.path);
    edit.createFile(uri, { ignoreIfExists: true, contents: Buffer.from(f.contents, 'utf8') }, meta);
  }
  if (optional) {
    edit.insert(vscode.Uri.file(optional.file), new vscode.Position(optional.line, 0), optional.text, {
      needsConfirmation: confirm,
      label: optional.label,
      description: 'optional',
    });
  }
  return vscode.workspace.applyEdit(edit, { isRefactoring: true });
}

export function registerScaffold(ctx: MfluxContext): vscode.Disposable {
  return vscode.commands.registerCommand(
    'mfluxPort.createModelPackage',
    guarded(async (arg?: unknown) => {
      const root = await ctx.mfluxRoot(arg);
      if (!root) return undefined;
      const a = isObject(arg) ? arg : {};
      let model = typeof a.model === 'string' ? a.model : ctx.checklist?.store.current()?.state.port.model;
      if (typeof a.model !== 'string' || a.interactive === true) {
        const typed = await vscode.window.showInputBox({
          title: 'Create Model Package',
          prompt: 'Package name under src/mflux/models/',
          value: model ?? '',
          validateInput: (v) => invalidModelName(toPackageName(v)),
        });
        if (typed === undefined) return undefined;
        model = toPackageName(typed);
      }
      if (!model) return undefined;
      let options: ScaffoldOptions = { model, hfRepo: typeof a.hfRepo === 'string' ? a.hfRepo : undefined };
      if (isObject(a.options)) {
        const o = a.options;
        options = {
          ...options,
          edit: o.edit === true,
          lora: o.lora === true,
          training: o.training === true,
          reuseVaeFrom: typeof o.reuseVaeFrom === 'string' ? o.reuseVaeFrom : undefined,
        };
      } else {
        const reference = ctx.checklist?.store.current()?.state.port.reference ?? '';
        const hfRepo = await vscode.window.showInputBox({
          title: 'Create Model Package',
          prompt: 'Hugging Face repo id of the weights (for the README; optional)',
          value: /^[\w.-]+\/[\w.-]+$/.test(reference) ? reference : '',
        });
        if (hfRepo === undefined) return undefined;
        type Opt = vscode.QuickPickItem & { key: 'edit' | 'lora' | 'training' | 'vae' };
        const picks = await vscode.window.showQuickPick<Opt>(
          [
            { label: 'Edit variant', description: 'variants/edit/ and an edit CLI', key: 'edit' },
            { label: 'LoRA mapping', description: `weights/${model}_lora_mapping.py`, key: 'lora' },
            { label: 'Training adapter', description: 'training_adapter/', key: 'training' },
            { label: "Reuse another model's VAE", description: 'instead of porting one', key: 'vae' },
          ],
          { title: 'Create Model Package: options', canPickMany: true, placeHolder: 'Pick none for the plain txt2img layout' },
        );
        if (!picks) return undefined;
        const keys = new Set(picks.map((p) => p.key));
        let reuseVaeFrom: string | undefined;
        if (keys.has('vae')) {
          const others = listModels(root).filter((m) => m !== model && existsSync(join(root, 'src', 'mflux', 'models', m, 'model')));
          reuseVaeFrom = (await vscode.window.showQuickPick(others, { title: 'Reuse the VAE of' })) ?? undefined;
          if (!reuseVaeFrom) return undefined;
        }
        options = {
          ...options,
          hfRepo: hfRepo.trim() || undefined,
          edit: keys.has('edit'),
          lora: keys.has('lora'),
          training: keys.has('training'),
          reuseVaeFrom,
        };
      }
      const plan = planModelPackage(root, options);
      for (const note of plan.notes) void vscode.window.showWarningMessage(`mflux Port: ${note}.`);
      if (!plan.files.length) {
        void vscode.window.showInformationMessage(
          `mflux Port: every file of src/mflux/models/${model}/ exists already; nothing to create.`,
        );
        return { created: [], skipped: plan.skipped };
      }
      const scripts = a.wireScripts === false ? undefined : scriptEntryInsertion(root, model, options.edit);
      const optional = scripts && { ...scripts, label: 'Add the console script(s) to pyproject.toml (can wait for the finalize step)' };
      const applied = await applyPlannedFiles(plan.files, `Create model package ${model}`, a.confirm !== false, optional);
      if (!applied) return { created: [], skipped: plan.skipped };
      const skippedNote = plan.skipped.length
        ? ` Kept ${plan.skipped.length} existing file(s): ${plan.skipped.slice(0, 3).join(', ')}${plan.skipped.length > 3 ? ', …' : ''}.`
        : '';
      const created = plan.files.filter((f) => existsSync(f.path)).map((f) => f.rel);
      if (!created.length)
        void vscode.window.showInformationMessage('mflux Port: no file was created (all were unticked in the Refactor Preview).');
      if (created.length) {
        const variant = plan.files.find((f) => f.rel.endsWith(`variants/txt2img/${model}.py`));
        if (variant && existsSync(variant.path)) await vscode.window.showTextDocument(vscode.Uri.file(variant.path), { preview: true });
        void vscode.window.showInformationMessage(
          `mflux Port: created ${created.length} file(s) under src/mflux/models/${model}/.${skippedNote}`,
        );
      }
      return { created, skipped: plan.skipped };
    }),
  );
}
