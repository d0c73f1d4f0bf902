// The image diff panel: commands that open it (two PNGs, two folders or a run folder, golden
// test outputs, two PNGs selected in the explorer) and the serializer that restores it.
import * as vscode from 'vscode';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ImageLoader } from '../../core/viewer/imageClient';
import { goldenImagePairs, runImageFolders } from '../../core/viewer/imagePairs';
import { isObject } from '../../protocol/validate';
import { isImageDiffSource } from '../../protocol/imageDiff';
import { ImageDiffController, type ImageDiffSpec } from './imageDiffController';
import { specFor } from './imageDiffSpec';
import { rejected, setWebviewHtml, webviewOptions } from './webviewShell';

const IMAGE_DIFF_VIEW = 'mfluxPort.imageDiff';

// Two workers: the pair the user looks at never waits behind the background PSNR/SSIM of
// every step of a stepwise folder.
const loaders: { pixels?: ImageLoader; metrics?: ImageLoader } = {};
function sharedLoader(context: vscode.ExtensionContext, kind: 'pixels' | 'metrics'): ImageLoader {
  let l = loaders[kind];
  if (!l) {
    l = new ImageLoader();
    loaders[kind] = l;
    context.subscriptions.push({
      dispose: () => {
        loaders[kind]?.dispose();
        loaders[kind] = undefined;
      },
    });
  }
  return l;
}

function attach(context: vscode.ExtensionContext, panel: vscode.WebviewPanel, spec: ImageDiffSpec): void {
  const disposables: vscode.Disposable[] = [];
  panel.title = spec.title;
  setWebviewHtml(panel.webview, context.extensionUri, 'imageDiff', spec.title);
  const controller = new ImageDiffController(spec, {
    post: (m) => {
      void panel.webview.postMessage(m);
    },
    load: (ref, cand, withPixels) => sharedLoader(context, withPixels ? 'pixels' : 'metrics').load(ref, cand, withPixels),
    openFile: (p) => {
      void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(p));
    },
    rejected: (raw) => rejected('image diff', raw),
  });
  disposables.push(
    panel.webview.onDidReceiveMessage((m) => {
      void controller.handle(m);
    }),
  );
  panel.onDidDispose(
    () => {
      while (disposables.length) disposables.pop()?.dispose();
    },
    null,
    context.subscriptions,
  );
}

function showImageDiff(context: vscode.ExtensionContext, spec: ImageDiffSpec): vscode.WebviewPanel {
  const panel = vscode.window.createWebviewPanel(IMAGE_DIFF_VIEW, spec.title, vscode.ViewColumn.Active, {
    ...webviewOptions(context.extensionUri),
    retainContextWhenHidden: false,
  });
  attach(context, panel, spec);
  return panel;
}

function isPng(u: vscode.Uri): boolean {
  return u.scheme === 'file' && u.fsPath.toLowerCase().endsWith('.png');
}

async function pickPng(title: string, near?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const r = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters: { 'PNG images': ['png'] }, defaultUri: near });
  return r?.[0];
}

async function pickFolder(title: string, near?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const r = await vscode.window.showOpenDialog({
    title,
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: near,
  });
  return r?.[0];
}

async function openImageDiffCommand(context: vscode.ExtensionContext, clicked?: vscode.Uri, selected?: vscode.Uri[]): Promise<void> {
  const pngs = (selected ?? (clicked ? [clicked] : [])).filter(isPng);
  let ref: vscode.Uri | undefined = pngs[0];
  let cand: vscode.Uri | undefined = pngs[1];
  if (pngs.length > 2) void vscode.window.showWarningMessage(`Comparing the first two of ${pngs.length} selected images.`);
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  ref ??= await pickPng('Reference image (PyTorch)', root);
  if (!ref) return;
  cand ??= await pickPng('Candidate image (MLX)', vscode.Uri.file(dirname(ref.fsPath)));
  if (!cand) return;
  showImageDiff(context, specFor({ kind: 'files', ref: ref.fsPath, cand: cand.fsPath }));
}

async function compareImageFoldersCommand(context: vscode.ExtensionContext, clicked?: vscode.Uri): Promise<void> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (clicked && clicked.scheme === 'file' && statSync(clicked.fsPath, { throwIfNoEntry: false })?.isDirectory()) {
    const sides = runImageFolders(clicked.fsPath);
    if (sides) {
      showImageDiff(context, specFor({ kind: 'folders', ...sides }));
      return;
    }
  }
  const ref = await pickFolder('Reference images folder (or a run folder with ref/ and mlx/)', clicked ?? root);
  if (!ref) return;
  const sides = runImageFolders(ref.fsPath);
  if (sides) {
    showImageDiff(context, specFor({ kind: 'folders', ...sides }));
    return;
  }
  const cand = await pickFolder('Candidate images folder (MLX)', vscode.Uri.file(dirname(ref.fsPath)));
  if (!cand) return;
  showImageDiff(context, specFor({ kind: 'folders', ref: ref.fsPath, cand: cand.fsPath }));
}

async function openGoldenImagesCommand(context: vscode.ExtensionContext): Promise<void> {
  const found = await vscode.workspace.findFiles('**/tests/resources/output_*.png', '**/node_modules/**', 500);
  const dirs = [...new Set(found.map((u) => dirname(u.fsPath)))];
  const pairs = dirs.flatMap((d) => goldenImagePairs(d));
  if (!pairs.length) {
    void vscode.window.showInformationMessage(
      'No golden test outputs found: run the slow image tests with MFLUX_PRESERVE_TEST_OUTPUT=1 to keep tests/resources/output_*.png next to reference_*.png.',
    );
    return;
  }
  showImageDiff(context, { title: `Golden images (${pairs.length})`, pairs, stepwise: false, source: null });
}

export function registerImageDiff(context: vscode.ExtensionContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('mfluxPort.openImageDiff', (clicked?: vscode.Uri, selected?: vscode.Uri[]) =>
      openImageDiffCommand(context, clicked, selected),
    ),
    vscode.commands.registerCommand('mfluxPort.compareImageFolders', (clicked?: vscode.Uri) =>
      compareImageFoldersCommand(context, clicked),
    ),
    vscode.commands.registerCommand('mfluxPort.openGoldenImages', () => openGoldenImagesCommand(context)),
    vscode.window.registerWebviewPanelSerializer(IMAGE_DIFF_VIEW, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        // The saved state came from the webview: only its source is used, and only re-read.
        const source = isObject(state) && isImageDiffSource(state.source) ? state.source : null;
        const spec: ImageDiffSpec = source
          ? specFor(source)
          : {
              title: 'Image diff',
              pairs: [],
              stepwise: false,
              source: null,
              message: 'This panel cannot be restored: open the images again.',
            };
        attach(context, panel, spec);
      },
    }),
  ];
}
