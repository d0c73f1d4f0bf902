// Read-only previews of files the extension proposes to create (the runner pair): a virtual
// document per file, shown before anything is written.
import * as vscode from 'vscode';

const PREVIEW_SCHEME = 'mflux-port-preview';

export class FilePreviews implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this);
  private counter = 0;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  /** Opens a preview titled like the target file (same extension, so the same highlighting). */
  async show(label: string, fileName: string, text: string, preserveFocus: boolean): Promise<void> {
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${label}/${fileName}`, query: String(++this.counter) });
    this.contents.set(uri.toString(), text);
    await vscode.window.showTextDocument(uri, { preview: false, preserveFocus });
  }

  dispose(): void {
    this.registration.dispose();
    this.contents.clear();
  }
}
