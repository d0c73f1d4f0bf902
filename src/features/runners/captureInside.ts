// Capture Inside: which port and which module per side, for a run of both sides whose
// captures are restricted to that module's subtree.
import * as vscode from 'vscode';
import { captureInsideTarget, readRunRecord, type CaptureInsideTarget } from '../../core/runners';
import type { Port } from '../../core/checklist/port';
import { askModule } from './history';
import type { PortChooser } from './ports';

/**
 * Capture Inside: both sides again, each capture restricted to a module's subtree. From the
 * parity report (`{ref, cand, refName, candName}`: its run folders and a pair) the port is the
 * one that made those runs; from the palette, the current port and a module path asked for.
 */
export async function chooseCaptureInside(
  chooser: PortChooser,
  arg?: unknown,
): Promise<{ port: Port; target: CaptureInsideTarget } | undefined> {
  const a = arg as { ref?: unknown; cand?: unknown; refName?: unknown; candName?: unknown } | undefined;
  let port: Port | undefined;
  let target: CaptureInsideTarget;
  if (a && typeof a.ref === 'string' && typeof a.cand === 'string' && typeof a.refName === 'string' && typeof a.candName === 'string') {
    target = captureInsideTarget(a.refName, a.candName);
    const model = (await readRunRecord(a.cand))?.port ?? (await readRunRecord(a.ref))?.port;
    const ports = await chooser.ports();
    port = ports.find((p) => p.model === model && (a.cand as string).startsWith(p.mfluxRepo)) ?? ports.find((p) => p.model === model);
    port ??= await chooser.pickPort();
  } else {
    port = await chooser.pickPort();
    const module = port && (await askModule(port));
    if (!module) return;
    target = { ref: module, mlx: module };
  }
  if (!port) return;
  void vscode.window.showInformationMessage(
    `mflux Port: Capture Inside ${target.ref}: running both sides with MFLUX_PORT_CAPTURE_INCLUDE=${target.ref}${target.mlx !== target.ref ? ` (MLX: ${target.mlx})` : ''}.`,
  );
  return { port, target };
}
