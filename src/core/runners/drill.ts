// Capture Inside: from a dump name in the report to the module path whose subtree the next run
// captures (MFLUX_PORT_CAPTURE_INCLUDE, read by the probe's capture()). Pure.

/**
 * The module a dump name belongs to: the probe names a capture `<module path>`, then an
 * element of a tuple/dict output `[0]` / `[sample]`, a step `@step003` (or `@<label>`), and a
 * repeat `#2`. All of those are stripped: `transformer_blocks.3.attn[0]@step002#2` →
 * `transformer_blocks.3.attn`.
 */
export function moduleOfDump(name: string): string {
  let s = name.trim();
  s = s.replace(/#\d+$/, '');
  const at = s.indexOf('@');
  if (at >= 0) s = s.slice(0, at);
  s = s.replace(/(?:\[[^\][]*\])+$/, '');
  return s;
}

export interface CaptureInsideTarget {
  /** The module path per side (the two differ when rename rules paired them). */
  readonly ref: string;
  readonly mlx: string;
}

/** Both sides' module paths of a pair, or an error sentence when a name has no module part. */
export function captureInsideTarget(refName: string, candName: string): CaptureInsideTarget {
  const ref = moduleOfDump(refName);
  const mlx = moduleOfDump(candName);
  for (const [n, m] of [
    [refName, ref],
    [candName, mlx],
  ])
    if (!m) throw new Error(`${n} names no module to capture inside`);
  if (/[,\s]/.test(ref + mlx)) throw new Error(`a module path for Capture Inside cannot contain commas or spaces: ${ref}`);
  return { ref, mlx };
}
