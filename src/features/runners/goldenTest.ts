// Run Deterministic Test: the port's golden test (tests/…/test_<model>.py) in the test terminal.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { goldenTestPath, planDeterministicTest } from '../../core/runners';
import type { PortChooser } from './ports';
import { readConfig, runSettings } from './settings';
import type { RunnerTerminals } from './terminals';

export async function runGoldenTest(chooser: PortChooser, terminals: RunnerTerminals, probeDir: string, arg?: unknown): Promise<void> {
  const port = await chooser.resolvePort(arg);
  if (!port) return;
  const cfg = readConfig(vscode.Uri.file(port.mfluxRepo));
  const test = goldenTestPath(port.model);
  if (!existsSync(join(port.mfluxRepo, test))) {
    void vscode.window.showErrorMessage(
      `mflux Port: there is no golden test at ${test} yet. Write it first (it compares tests/resources/output_*.png with the reference PNG).`,
    );
    return;
  }
  const { line } = planDeterministicTest(port.mfluxRepo, test, await runSettings(cfg, port, probeDir));
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `mflux Port: ${test}` }, () =>
    terminals.get('test').run(line, port.mfluxRepo, cfg.shellIntegrationTimeout),
  );
  if (result.exitCode === 0)
    void vscode.window.showInformationMessage(
      `mflux Port: ${basename(test)} passed. Outputs are kept in tests/resources (MFLUX_PRESERVE_TEST_OUTPUT=1).`,
    );
  else if (result.exitCode === undefined)
    void vscode.window.showWarningMessage(
      `mflux Port: ${basename(test)} was sent to the terminal; its exit code is unknown (no shell integration).`,
    );
  else {
    terminals.get('test').reveal();
    void vscode.window.showErrorMessage(`mflux Port: ${basename(test)} failed with exit code ${result.exitCode}.`);
  }
}
