// Table of contents of the extension: each feature registers its own surfaces.
import * as vscode from 'vscode';
import { registerChecklist } from './features/checklist';
import { registerRunners } from './features/runners';
import { registerMfluxTools } from './features/mflux';
import { registerImageDiff } from './features/panels/imageDiffPanel';
import { registerParityReport } from './features/panels/parityReportPanel';
import { registerTensorViewer } from './features/panels/tensorViewerEditor';
import { registerReportDocs } from './features/reportDocs';

export function activate(context: vscode.ExtensionContext): void {
  registerReportDocs(context);
  const checklist = registerChecklist(context);
  registerRunners(context, checklist);
  registerImageDiff(context);
  registerParityReport(context);
  registerTensorViewer(context);
  registerMfluxTools(context, checklist);
}

export function deactivate(): void {}
