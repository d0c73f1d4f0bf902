// mfluxPort.runner.* settings, and which Python {python} means.
import * as vscode from 'vscode';
import { DEFAULT_MLX_SCRIPT, DEFAULT_REF_SCRIPT, DEFAULT_TEMPLATE } from '../../core/runners';

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
export async function resolvePython(cfg: RunnerConfig, scope?: vscode.Uri): Promise<string> {
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
