// Read-only custom editor for tensor files. `.safetensors`, `.npy`, `.npz`, `.pt` and `.pth`
// open in it by default; `.bin` (too generic a name) offers it under "Reopen Editor With…".
import * as vscode from 'vscode';
import { TensorViewerController } from './tensorViewerController';
import { rejected, setWebviewHtml } from './webviewShell';

const TENSOR_VIEWER = 'mfluxPort.tensorViewer';
const TENSOR_VIEWER_OPTIONAL = 'mfluxPort.tensorViewerOptional';

class TensorDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

class TensorViewerProvider implements vscode.CustomReadonlyEditorProvider<TensorDocument> {
  constructor(private readonly context: vscode.ExtensionContext) {}

  openCustomDocument(uri: vscode.Uri): TensorDocument {
    return new TensorDocument(uri);
  }

  resolveCustomEditor(document: TensorDocument, panel: vscode.WebviewPanel): void {
    setWebviewHtml(panel.webview, this.context.extensionUri, 'tensorViewer', document.uri.fsPath);
    const controller = new TensorViewerController(document.uri.fsPath, {
      post: (m) => {
        void panel.webview.postMessage(m);
      },
      rejected: (raw) => rejected('tensor viewer', raw),
    });
    const sub = panel.webview.onDidReceiveMessage((m) => {
      void controller.handle(m);
    });
    panel.onDidDispose(() => {
      sub.dispose();
      controller.dispose();
    });
  }
}

export function registerTensorViewer(context: vscode.ExtensionContext): vscode.Disposable[] {
  const provider = new TensorViewerProvider(context);
  const options = { supportsMultipleEditorsPerDocument: true };
  return [
    vscode.window.registerCustomEditorProvider(TENSOR_VIEWER, provider, options),
    vscode.window.registerCustomEditorProvider(TENSOR_VIEWER_OPTIONAL, provider, options),
  ];
}
