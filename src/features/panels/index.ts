// The webview panels: image diff, parity report (both webview panels, restored after a reload)
// and the tensor viewer (a custom editor). Each panel's host logic is a controller with no
// `vscode` import (*Controller.ts); the *Panel/*Editor files wire it to VS Code.
import type * as vscode from 'vscode';
import type { FeatureDeps } from '../deps';
import { registerImageDiff } from './imageDiffPanel';
import { registerParityReport } from './parityReportPanel';
import { registerTensorViewer } from './tensorViewerEditor';

export function register(context: vscode.ExtensionContext, _deps: FeatureDeps): vscode.Disposable[] {
  return [...registerImageDiff(context), ...registerParityReport(context), ...registerTensorViewer(context)];
}
