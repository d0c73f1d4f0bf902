// New Runner Pair and Insert Dump: the commands that write Python for the user.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import {
  findMlxEntry,
  isRepoId,
  mlxScript,
  dumpTarget,
  planInsertDump,
  planWrapDump,
  referenceScript,
  resolveModelId,
  scriptPath,
} from '../../core/runners';
import type { Port } from '../../core/checklist/port';
import { locateHfCache } from '../../core/mflux/hfCache';
import { readConfig } from './settings';
import type { FilePreviews } from './preview';

/** Previews both runner scripts and writes the missing ones (never over an existing file). */
export async function newRunnerPair(port: Port, refRepo: string, previews: FilePreviews): Promise<void> {
  const cfg = readConfig(vscode.Uri.file(port.mfluxRepo));
  const modelId = await askModelId(port, refRepo);
  if (!modelId) return;
  const files = [
    {
      path: scriptPath(refRepo, cfg.referenceScript, port.model),
      text: referenceScript({ model: port.model, modelId }),
      label: 'Reference runner (diffusers)',
    },
    {
      path: scriptPath(port.mfluxRepo, cfg.mlxScript, port.model),
      text: mlxScript({ model: port.model, entry: findMlxEntry(port.mfluxRepo, port.model) }),
      label: 'MLX runner (mflux)',
    },
  ];
  const existing = files.filter((f) => existsSync(f.path));
  const fresh = files.filter((f) => !existsSync(f.path));
  const kept = existing.length
    ? ` ${existing.map((f) => basename(f.path)).join(' and ')} already exist${existing.length === 1 ? 's' : ''} and ${existing.length === 1 ? 'is' : 'are'} left as ${existing.length === 1 ? 'it is' : 'they are'}.`
    : '';
  if (fresh.length === 0) {
    void vscode.window.showInformationMessage(`mflux Port: both runners exist already; nothing was written.${kept}`);
  } else {
    // Preview first: read-only documents with the proposed text; nothing is written until Create.
    for (const [i, f] of fresh.entries()) await previews.show(`Preview ${f.label}`, basename(f.path), f.text, i < fresh.length - 1);
    const create = 'Create';
    const where = fresh.map((f) => vscode.workspace.asRelativePath(f.path)).join(' and ');
    const pick = await vscode.window.showInformationMessage(`mflux Port: create ${where}?${kept}`, create, 'Cancel');
    if (pick !== create) return;
    for (const f of fresh) {
      await mkdir(dirname(f.path), { recursive: true });
      try {
        await writeFile(f.path, f.text, { flag: 'wx' }); // wx: fails rather than overwrite a file created meanwhile
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        void vscode.window.showWarningMessage(`mflux Port: ${f.path} appeared meanwhile and was left as it is.`);
      }
    }
  }
  for (const f of files)
    if (existsSync(f.path))
      await vscode.window.showTextDocument(vscode.Uri.file(f.path), { preview: false, preserveFocus: f !== files[1] });
}

/** The repo id the reference runner loads: the port's, one the HF cache or diffusers' docs name for its class, else asked. */
async function askModelId(port: Port, refRepo: string): Promise<string | undefined> {
  const hfCache = locateHfCache(process.env, undefined, vscode.workspace.getConfiguration('mfluxPort.hfCache').get<string>('path', '')).dir;
  const found = resolveModelId(port.reference, { hfCache, referenceRepo: refRepo });
  if (found) {
    if (found.from !== 'port')
      void vscode.window.showInformationMessage(
        `mflux Port: ${port.reference} resolved to ${found.id} (${found.from === 'hf-cache' ? 'the HF cache' : 'its diffusers docs'}: ${found.file}).`,
      );
    return found.id;
  }
  const typed = await vscode.window.showInputBox({
    title: 'New Runner Pair: reference model',
    prompt: `Which Hugging Face repo does the reference runner load${port.reference ? ` for ${port.reference}` : ''}? (org/name)`,
    placeHolder: 'black-forest-labs/FLUX.1-dev',
    validateInput: (v) => (isRepoId(v.trim()) ? undefined : 'A repo id looks like org/name.'),
  });
  return typed?.trim() || undefined;
}

export async function insertDump(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'python') {
    void vscode.window.showErrorMessage(
      'mflux Port: Insert Dump works in a Python file: put the cursor on an assignment (or select an expression) first.',
    );
    return;
  }
  const doc = editor.document;
  const lines = Array.from({ length: doc.lineCount }, (_, i) => doc.lineAt(i).text);
  const s = editor.selection;
  const sel = { startLine: s.start.line, startChar: s.start.character, endLine: s.end.line, endChar: s.end.character };
  const target = dumpTarget(lines, sel);
  if (target.mode === 'refuse') {
    void vscode.window.showErrorMessage(`mflux Port: Insert Dump: ${target.reason}.`);
    return;
  }
  const name = await vscode.window.showInputBox({
    title: 'Insert Dump',
    prompt: `Name of the dump of ${target.expression} (use the same name on both sides so they pair up)`,
    value: target.defaultName,
    validateInput: (v) => (v.trim() ? undefined : 'The name cannot be empty.'),
  });
  if (!name) return;
  let step: string | undefined;
  if (target.loopVar) {
    const withStep = `step=${target.loopVar}`;
    const pick = await vscode.window.showQuickPick(
      [
        { label: withStep, description: `one dump per iteration (${name.trim()}@step000, @step001, …)` },
        { label: 'no step', description: 'one dump; each iteration overwrites it' },
      ],
      { title: `Insert Dump inside a loop over ${target.loopVar}` },
    );
    if (!pick) return;
    step = pick.label === withStep ? target.loopVar : undefined;
  }
  const plan =
    target.mode === 'wrap'
      ? planWrapDump(lines, target.open, target.close, name.trim(), target.expression, step)
      : planInsertDump(lines, sel, name.trim(), target.expression, step);
  const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  await editor.edit((b) => {
    for (const ins of plan.insertions) {
      const text = ins.text.replace(/\n/g, eol);
      if (ins.char !== undefined) b.insert(new vscode.Position(ins.line, ins.char), text);
      else if (ins.line >= doc.lineCount) {
        const end = doc.lineAt(doc.lineCount - 1).range.end;
        b.insert(end, (doc.lineAt(doc.lineCount - 1).text === '' ? '' : eol) + text.replace(/\r?\n$/, ''));
      } else {
        b.insert(new vscode.Position(ins.line, 0), text);
      }
    }
  });
}
