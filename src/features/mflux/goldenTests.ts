// Golden image tests: mfluxPort.createGoldenTest (preview first) and a TestController that
// lists the tests that compare an image with a reference (not a model's fast unit tests) and runs them
// with pytest (MFLUX_PRESERVE_TEST_OUTPUT=1), then offers output vs reference in the image
// diff. Running tests executes workspace code: Workspace Trust is required.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../core/mflux/exec';
import {
  listGoldenTests,
  planGoldenTest,
  readmeTestsInsertion,
  type GoldenTestCase,
  type GoldenTestOptions,
} from '../../core/mflux/goldenTest';
import { splitCommand } from '../../core/mflux/mappingDump';
import { detectRepos } from '../../core/mflux/repos';
import { guarded, type MfluxContext } from './context';
import { applyPlannedFiles } from './scaffoldCommand';
import { isObject } from '../../protocol/envelope';

export function registerCreateGoldenTest(ctx: MfluxContext, refresh: () => void): vscode.Disposable {
  return vscode.commands.registerCommand(
    'mfluxPort.createGoldenTest',
    guarded(async (arg?: unknown) => {
      const t = await ctx.target(arg);
      if (!t) return undefined;
      const a = isObject(arg) ? arg : {};
      let options: GoldenTestOptions = { model: t.model };
      if (isObject(a.options)) options = { ...(a.options as Partial<GoldenTestOptions>), model: t.model };
      else {
        const prompt = await vscode.window.showInputBox({
          title: 'Create Golden Test (1/2)',
          prompt: 'Prompt',
          value: 'A photo of a red fox sitting in fresh snow, morning light, shallow depth of field',
        });
        if (prompt === undefined) return undefined;
        const settings = await vscode.window.showInputBox({
          title: 'Create Golden Test (2/2)',
          prompt: 'seed steps height width [quantize]',
          value: '42 4 512 512 8',
          validateInput: (v) =>
            /^\s*\d+\s+\d+\s+\d+\s+\d+(\s+\d+)?\s*$/.test(v)
              ? undefined
              : 'five numbers: seed steps height width quantize (quantize optional)',
        });
        if (settings === undefined) return undefined;
        const [seed, steps, height, width, quantize] = settings.trim().split(/\s+/).map(Number);
        options = { model: t.model, prompt, seed, steps, height, width, quantize };
      }
      let plan = planGoldenTest(t.root, options);
      // Several ModelConfig entries (turbo/base, lite) and a helper that takes model_config: which one the test pins.
      if (!isObject(a.options) && plan.configChoices.length > 1) {
        const passed = plan.call.find((c) => c.startsWith('model_config='));
        const helperDefault = { label: 'Default', description: passed ?? "the helper's own (model_config left out)" };
        const pick = await vscode.window.showQuickPick([helperDefault, ...plan.configChoices.map((k) => ({ label: k }))], {
          title: 'Create Golden Test: ModelConfig',
          placeHolder: 'ModelConfig entry the test generates with',
        });
        if (!pick) return undefined;
        if (pick !== helperDefault) plan = planGoldenTest(t.root, { ...options, modelConfig: pick.label });
      }
      if (!plan.files.length) {
        void vscode.window.showInformationMessage(`mflux Port: ${plan.skipped[0]} exists already; nothing was changed.`);
        return { created: [], skipped: plan.skipped };
      }
      const readme = readmeTestsInsertion(t.root, t.model, plan.command);
      const applied = await applyPlannedFiles(
        plan.files,
        `Create golden test for ${t.model}`,
        a.confirm !== false,
        readme && { ...readme, label: 'Add a Tests section to the model README' },
      );
      if (applied) {
        refresh();
        const test = plan.files[0];
        if (existsSync(test.path)) await vscode.window.showTextDocument(vscode.Uri.file(test.path), { preview: true });
        const refMissing = !existsSync(join(t.root, plan.referenceImage));
        const via = plan.helper.existing ? ` It calls the existing ${plan.helper.cls}.` : '';
        const left = plan.notes.length ? ` Left out: ${plan.notes.join('; ')}.` : '';
        void vscode.window.showInformationMessage(
          `mflux Port: golden test created.${via}${left}${refMissing ? ` Add the reference image ${plan.referenceImage} (e.g. from a validated run), then` : ''} Run it with: ${plan.command}`,
        );
      }
      return {
        created: applied ? plan.files.map((f) => f.rel) : [],
        skipped: plan.skipped,
        referenceImage: plan.referenceImage,
        command: plan.command,
        helper: plan.helper,
        notes: plan.notes,
      };
    }),
  );
}

interface TestData {
  root: string;
  test?: GoldenTestCase;
}

export class GoldenTestController implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController('mfluxPortGoldenTests', 'mflux golden image tests');
  private readonly data = new WeakMap<vscode.TestItem, TestData>();
  private readonly disposables: vscode.Disposable[] = [this.controller];

  constructor(private readonly ctx: MfluxContext) {
    this.controller.resolveHandler = async () => this.refresh();
    this.controller.refreshHandler = async () => this.refresh();
    this.controller.createRunProfile('Run (keep output)', vscode.TestRunProfileKind.Run, (req, token) => this.run(req, token), true);
    // Any test file may hold a golden test (Depth Pro's lives in tests/depth/); the listing keeps only image comparisons.
    const watcher = vscode.workspace.createFileSystemWatcher('**/tests/**/test_*.py');
    this.disposables.push(
      watcher,
      watcher.onDidCreate(() => this.refresh()),
      watcher.onDidChange(() => this.refresh()),
      watcher.onDidDelete(() => this.refresh()),
    );
    // List them now, so gutter run buttons appear without opening the Testing view first.
    setTimeout(() => this.refresh(), 0);
  }

  refresh(): void {
    const roots = detectRepos(this.ctx.folders()).mflux.filter((r) => this.ctx.folders().some((f) => r === f || r.startsWith(f + '/')));
    const items: vscode.TestItem[] = [];
    for (const root of roots) {
      const byFile = new Map<string, vscode.TestItem>();
      for (const t of listGoldenTests(root)) {
        let fileItem = byFile.get(t.file);
        if (!fileItem) {
          fileItem = this.controller.createTestItem(
            t.file,
            t.id.split('::')[0].replace('tests/image_generation/', ''),
            vscode.Uri.file(t.file),
          );
          this.data.set(fileItem, { root });
          byFile.set(t.file, fileItem);
          items.push(fileItem);
        }
        const item = this.controller.createTestItem(t.id, t.cls ? `${t.cls} › ${t.name}` : t.name, vscode.Uri.file(t.file));
        item.range = new vscode.Range(t.line - 1, 0, t.line - 1, 0);
        item.tags = t.slow ? [new vscode.TestTag('slow')] : [];
        this.data.set(item, { root, test: t });
        fileItem.children.add(item);
      }
    }
    this.controller.items.replace(items);
  }

  private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.controller.createTestRun(request);
    const queue: vscode.TestItem[] = [];
    const add = (i: vscode.TestItem) => {
      if (this.data.get(i)?.test) queue.push(i);
      else i.children.forEach(add);
    };
    if (request.include) request.include.forEach(add);
    else this.controller.items.forEach(add);
    const excluded = new Set(request.exclude ?? []);
    try {
      if (!vscode.workspace.isTrusted) {
        for (const item of queue)
          run.errored(item, new vscode.TestMessage('Golden tests run workspace code; trust the workspace to run them.'));
        return;
      }
      for (const item of queue) {
        if (token.isCancellationRequested) {
          run.skipped(item);
          continue;
        }
        if (excluded.has(item)) continue;
        await this.runOne(run, item, token);
      }
    } finally {
      run.end();
    }
  }

  private async runOne(run: vscode.TestRun, item: vscode.TestItem, token: vscode.CancellationToken): Promise<void> {
    const { root, test } = this.data.get(item)!;
    run.started(item);
    const [cmd, ...pre] = splitCommand(this.ctx.pytestCommand(vscode.Uri.file(root)));
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    const started = Date.now();
    const r = await run2(cmd, [...pre, test!.id, '-q', '-p', 'no:cacheprovider'], root, abort.signal);
    sub.dispose();
    run.appendOutput(
      `$ ${[cmd, ...pre, test!.id].join(' ')}\r\n${(r.stdout + (r.stderr ? '\n' + r.stderr : '')).replace(/\r?\n/g, '\r\n')}\r\n`,
      undefined,
      item,
    );
    const duration = Date.now() - started;
    if (r.exitCode === 0) run.passed(item, duration);
    else if (abort.signal.aborted) run.skipped(item);
    else {
      const lines = (r.stdout + '\n' + r.stderr).split('\n');
      const msg =
        lines.find((l) => /^E\s+/.test(l))?.replace(/^E\s+/, '') ?? lines.filter((l) => l.trim()).pop() ?? `exit code ${r.exitCode}`;
      const m = new vscode.TestMessage(msg);
      if (item.uri && item.range) m.location = new vscode.Location(item.uri, item.range);
      if (r.exitCode === -1) run.errored(item, m, duration);
      else run.failed(item, m, duration);
    }
    const out = test!.outputImage && join(root, test!.outputImage);
    const ref = test!.referenceImage && join(root, test!.referenceImage);
    if (out && ref && existsSync(out) && existsSync(ref)) {
      const open = 'Open Image Diff';
      void vscode.window
        .showInformationMessage(
          `mflux Port: ${test!.name} ${r.exitCode === 0 ? 'passed' : 'failed'}; output kept next to the reference.`,
          open,
        )
        .then((pick) => {
          if (pick === open)
            void vscode.commands.executeCommand('mfluxPort.openImageDiff', undefined, [vscode.Uri.file(ref), vscode.Uri.file(out)]);
        });
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function run2(cmd: string, args: string[], cwd: string, signal: AbortSignal) {
  return run(cmd, args, { cwd, signal, env: { ...process.env, MFLUX_PRESERVE_TEST_OUTPUT: '1' } });
}
