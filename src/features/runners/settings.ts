// mfluxPort.runner.* settings, which Python {python} means, and the question before an MLX run
// off Apple silicon.
import * as vscode from 'vscode';
import { DEFAULT_MLX_SCRIPT, DEFAULT_REF_SCRIPT, DEFAULT_TEMPLATE, mlxPlatformProblem, type RunSettings } from '../../core/runners';
import type { Port } from '../../core/checklist/port';

export interface RunnerConfig {
  readonly template: string;
  readonly uv: string;
  readonly pythonPath: string;
  readonly usePythonExtension: boolean;
  readonly hfHubOffline: boolean;
  readonly keepRuns: number;
  readonly allowMlxOffAppleSilicon: boolean;
  readonly referenceScript: string;
  readonly mlxScript: string;
  readonly shellIntegrationTimeout: number;
  /** MFLUX_PORT_MAX_BYTES as typed (the probe parses and validates it). */
  readonly maxCaptureBytes: string;
}

export function readConfig(scope?: vscode.Uri): RunnerConfig {
  const c = vscode.workspace.getConfiguration('mfluxPort.runner', scope);
  return {
    template: c.get<string>('commandTemplate', DEFAULT_TEMPLATE).trim() || DEFAULT_TEMPLATE,
    uv: c.get<string>('uvPath', 'uv').trim() || 'uv',
    pythonPath: c.get<string>('pythonPath', '').trim(),
    usePythonExtension: c.get<boolean>('usePythonExtension', true),
    hfHubOffline: c.get<boolean>('hfHubOffline', true),
    keepRuns: c.get<number>('keepRuns', 20),
    allowMlxOffAppleSilicon: c.get<boolean>('allowMlxOffAppleSilicon', false),
    referenceScript: c.get<string>('referenceScript', DEFAULT_REF_SCRIPT).trim() || DEFAULT_REF_SCRIPT,
    mlxScript: c.get<string>('mlxScript', DEFAULT_MLX_SCRIPT).trim() || DEFAULT_MLX_SCRIPT,
    shellIntegrationTimeout: Math.max(1, c.get<number>('shellIntegrationTimeout', 8)),
    maxCaptureBytes: String(c.get<string | number>('maxCaptureBytes', '20GB')).trim() || '20GB',
  };
}

interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath?(resource?: vscode.Uri): { path: string } | undefined };
  settings?: { getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } | undefined };
}

/**
 * {python}: the pythonPath setting, else the Python extension's active interpreter when that
 * extension is installed (an optional dependency), else `python3`.
 */
async function resolvePython(cfg: RunnerConfig, scope?: vscode.Uri): Promise<string> {
  if (cfg.pythonPath) return cfg.pythonPath;
  if (cfg.usePythonExtension) {
    const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
    if (ext) {
      try {
        const api = ext.isActive ? ext.exports : await ext.activate();
        const active = api?.environments?.getActiveEnvironmentPath?.(scope)?.path;
        if (active) return active;
        const exec = api?.settings?.getExecutionDetails?.(scope)?.execCommand?.[0];
        if (exec) return exec;
      } catch {
        // the Python extension failed to answer: fall back to python3
      }
    }
  }
  return 'python3';
}

/** What core's command lines need for one port's runs; `probeDir` is the extension's python/ folder. */
export async function runSettings(cfg: RunnerConfig, port: Port, probeDir: string): Promise<RunSettings> {
  return {
    template: cfg.template,
    uv: cfg.uv,
    python: await resolvePython(cfg, vscode.Uri.file(port.mfluxRepo)),
    hfHubOffline: cfg.hfHubOffline,
    probeDir: probeDir,
    shell: vscode.env.shell,
    maxCaptureBytes: cfg.maxCaptureBytes,
  };
}

/** Off Apple silicon, whether to run MLX anyway (asked unless the setting allows it). */
export async function mlxPlatformOk(cfg: RunnerConfig): Promise<boolean> {
  const problem = mlxPlatformProblem(process.platform, process.arch);
  if (!problem || cfg.allowMlxOffAppleSilicon) return true;
  const once = 'Run Anyway';
  const always = 'Always Allow';
  const pick = await vscode.window.showWarningMessage(
    `${problem} The MLX runner will likely fail here. (MLX has Linux builds; the setting mfluxPort.runner.allowMlxOffAppleSilicon skips this question.)`,
    { modal: true },
    once,
    always,
  );
  if (pick === always)
    await vscode.workspace.getConfiguration('mfluxPort.runner').update('allowMlxOffAppleSilicon', true, vscode.ConfigurationTarget.Global);
  return pick === once || pick === always;
}
