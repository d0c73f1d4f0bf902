// The parity report panel: opened from the Compare Folders command, from a run (the runners
// call `mfluxPort.openParityReport` or `showParityReport`), and restored after a reload.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { compareInWorker } from '../../core/compare/client';
import { renderHtmlReport } from '../../core/compare/html';
import { reportToJson } from '../../core/compare/outputs';
import { readToleranceMap, saveTensorTolerance, toleranceMapPath } from '../../core/compare/toleranceMap';
import { openTensors, type TensorSource } from '../../core/tensors';
import { readLayerValues } from '../../core/viewer/pairValues';
import { floorChoice, referenceRunOf } from '../../core/runners/floorRun';
import { listRuns } from '../../core/runners/runs';
import { isObject } from '../../protocol/validate';
import type { ParitySource } from '../../protocol/parityReport';
import type { ReportJson } from '../../core/compare/types';
import { ParityController } from './parityReportController';
import { rejected, setWebviewHtml, webviewOptions } from './webviewShell';

const PARITY_REPORT_VIEW = 'mfluxPort.parityReport';
const open = new Map<string, vscode.WebviewPanel>();
/** Each open panel's comparison: `mfluxPort.openParityReport` answers with its report (the runners keep its summary). */
const compared = new Map<string, Promise<ReportJson | undefined>>();
/** The runners' command that re-runs both sides inside a layer's module. */
const CAPTURE_INSIDE_COMMAND = 'mfluxPort.captureInside';

/** A folder the runners made (it has their run.json): Capture Inside can re-run it. */
const isRunFolder = (dir: string) => existsSync(join(dir, 'run.json'));

function titleFor(s: ParitySource): string {
  const parent = basename(dirname(s.ref));
  return basename(dirname(s.ref)) === basename(dirname(s.cand)) && parent
    ? `Parity: ${parent}`
    : `Parity: ${basename(s.ref)} ↔ ${basename(s.cand)}`;
}

function attach(context: vscode.ExtensionContext, panel: vscode.WebviewPanel, source: ParitySource): void {
  const key = keyOf(source);
  open.set(key, panel);
  const title = titleFor(source);
  panel.title = title;
  setWebviewHtml(panel.webview, context.extensionUri, 'parityReport', title);
  const abort = new AbortController();
  const sources: { ref?: Promise<TensorSource>; cand?: Promise<TensorSource> } = {};
  const disposables: vscode.Disposable[] = [];
  // Tolerance edits live in the workspace's .mflux-port/compare-map.json (a --map file).
  const root = (vscode.workspace.getWorkspaceFolder(vscode.Uri.file(source.ref)) ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
  const mapFile = root ? toleranceMapPath(root) : undefined;
  const controller = new ParityController(source, title, {
    post: (m) => {
      void panel.webview.postMessage(m);
    },
    compare: (s, onProgress, extra) =>
      compareInWorker(
        { refPath: s.ref, candPath: s.cand, noiseFloorPath: s.floor, heatmaps: 'failing', map: extra?.map, only: extra?.only },
        { signal: abort.signal, onProgress },
      ),
    loadTolerances: mapFile ? () => readToleranceMap(mapFile) : undefined,
    saveTolerance: mapFile ? (name, tol) => saveTensorTolerance(mapFile, name, tol) : undefined,
    async readValues(out, p) {
      sources.ref ??= openTensors(out.report.ref_path);
      sources.cand ??= openTensors(out.report.cand_path);
      return readLayerValues(await sources.ref, await sources.cand, p.ref_name, p.cand_name);
    },
    async save(format, out) {
      const target = await vscode.window.showSaveDialog({
        title: `Export parity report as ${format.toUpperCase()}`,
        defaultUri: vscode.Uri.file(join(dirname(source.ref), `parity-report.${format}`)),
        filters: format === 'json' ? { JSON: ['json'] } : { HTML: ['html'] },
      });
      if (!target) return;
      await writeFile(target.fsPath, format === 'json' ? reportToJson(out.report) : renderHtmlReport(out, { title }));
      void vscode.window.showInformationMessage(`Parity report saved to ${target.fsPath}`);
    },
    async copy(text) {
      await vscode.env.clipboard.writeText(text);
      vscode.window.setStatusBarMessage('pytest assertion copied', 3000);
    },
    async openFile(file, line) {
      const at = new vscode.Position(line - 1, 0);
      await vscode.window.showTextDocument(vscode.Uri.file(file), {
        viewColumn: vscode.ViewColumn.Beside,
        preview: false,
        selection: new vscode.Range(at, at),
      });
    },
    siteRoots: () => [...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath), dirname(source.ref), dirname(source.cand)],
    rejected: (raw) => rejected('parity report', raw),
    captureInside:
      isRunFolder(source.ref) && isRunFolder(source.cand)
        ? async (p) => {
            await vscode.commands.executeCommand(CAPTURE_INSIDE_COMMAND, {
              ref: source.ref,
              cand: source.cand,
              refName: p.ref_name,
              candName: p.cand_name,
            });
          }
        : undefined,
  });
  compared.set(
    key,
    controller.run().then((o) => o?.report),
  );
  disposables.push(
    panel.webview.onDidReceiveMessage((m) => {
      void controller.handle(m);
    }),
  );
  panel.onDidDispose(
    () => {
      abort.abort();
      open.delete(key);
      compared.delete(key);
      for (const s of [sources.ref, sources.cand])
        void s?.then(
          (x) => x.close(),
          () => undefined,
        );
      while (disposables.length) disposables.pop()?.dispose();
    },
    null,
    context.subscriptions,
  );
}

function keyOf(s: ParitySource): string {
  return `${s.ref}\0${s.cand}\0${s.floor ?? ''}`;
}

/** Opens (or reveals) the parity report of two dump folders or files (with a noise-floor run when given). */
function showParityReport(context: vscode.ExtensionContext, refDir: string, candDir: string, floorDir?: string): vscode.WebviewPanel {
  const source: ParitySource = floorDir ? { ref: refDir, cand: candDir, floor: floorDir } : { ref: refDir, cand: candDir };
  const existing = open.get(keyOf(source));
  if (existing) {
    existing.reveal();
    return existing;
  }
  const panel = vscode.window.createWebviewPanel(
    PARITY_REPORT_VIEW,
    titleFor(source),
    vscode.ViewColumn.Active,
    webviewOptions(context.extensionUri),
  );
  attach(context, panel, source);
  return panel;
}

async function pickFolder(title: string, near?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const r = await vscode.window.showOpenDialog({
    title,
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: near,
  });
  return r?.[0];
}

async function compareFoldersCommand(context: vscode.ExtensionContext, clicked?: vscode.Uri, selected?: vscode.Uri[]): Promise<void> {
  const chosen = (selected ?? []).filter((u) => u.scheme === 'file');
  if (chosen.length === 2) {
    showParityReport(context, chosen[0].fsPath, chosen[1].fsPath);
    return;
  }
  const sides = await pickRefCand(clicked);
  if (sides) showParityReport(context, sides.ref.fsPath, sides.cand.fsPath);
}

/** The reference (the clicked one, or picked near debug_artifacts/) and then the candidate beside it. */
async function pickRefCand(clicked?: vscode.Uri): Promise<{ ref: vscode.Uri; cand: vscode.Uri } | undefined> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  const artifacts = root ? vscode.Uri.joinPath(root, 'debug_artifacts') : undefined;
  const ref = clicked ?? (await pickFolder('Reference dumps (folder or file)', artifacts));
  if (!ref) return undefined;
  const cand = await pickFolder('Candidate (MLX) dumps (folder or file)', vscode.Uri.file(dirname(ref.fsPath)));
  return cand ? { ref, cand } : undefined;
}

/**
 * Compare with Noise Floor…: the reference, the candidate, and another reference run (the
 * reference again with one numeric change, e.g. float64) whose error sets each pair's floor.
 * The dialog opens at the best other run of the reference's repo (a noise-floor run first);
 * when there is none, it offers to start Run Reference (noise floor) instead.
 */
async function compareWithFloorCommand(context: vscode.ExtensionContext, clicked?: vscode.Uri): Promise<void> {
  const sides = await pickRefCand(clicked);
  if (!sides) return;
  const { ref, cand } = sides;
  const at = referenceRunOf(ref.fsPath);
  const choice = floorChoice(ref.fsPath, at ? await listRuns(at.repo) : undefined);
  if (choice.kind === 'offerRun') {
    const run = 'Run Reference (noise floor)';
    const browse = 'Browse…';
    const pick = await vscode.window.showInformationMessage(`mflux Port: ${choice.message}`, run, browse);
    if (pick === run) return void (await vscode.commands.executeCommand('mfluxPort.runReferenceFloor'));
    if (pick !== browse) return;
  }
  const floor = await pickFolder(
    'Noise floor: another run of the reference (e.g. in float64)',
    vscode.Uri.file(choice.kind === 'pick' ? choice.options[0].dir : dirname(dirname(ref.fsPath))),
  );
  if (!floor) return;
  showParityReport(context, ref.fsPath, cand.fsPath, floor.fsPath);
}

export function registerParityReport(context: vscode.ExtensionContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('mfluxPort.compareWithNoiseFloor', (clicked?: vscode.Uri) =>
      compareWithFloorCommand(context, clicked instanceof vscode.Uri ? clicked : undefined),
    ),
    vscode.commands.registerCommand('mfluxPort.compareFolders', (clicked?: vscode.Uri, selected?: vscode.Uri[]) =>
      compareFoldersCommand(context, clicked, selected),
    ),
    vscode.commands.registerCommand('mfluxPort.openParityReport', (ref?: vscode.Uri | string, cand?: vscode.Uri | string) => {
      const path = (u: vscode.Uri | string | undefined) => (typeof u === 'string' ? u : u?.fsPath);
      const r = path(ref);
      const c = path(cand);
      if (!r || !c) return void compareFoldersCommand(context);
      showParityReport(context, r, c);
      // the caller (Run Both) gets the report once compared, to keep its summary in the run folder
      return compared.get(keyOf({ ref: r, cand: c }));
    }),
    vscode.window.registerWebviewPanelSerializer(PARITY_REPORT_VIEW, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const s = isObject(state) && isObject(state.source) ? state.source : null;
        if (s && typeof s.ref === 'string' && typeof s.cand === 'string')
          attach(context, panel, { ref: s.ref, cand: s.cand, ...(typeof s.floor === 'string' ? { floor: s.floor } : {}) });
        else panel.dispose();
      },
    }),
  ];
}
