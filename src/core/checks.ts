// The result every file-based check returns (checklist auto-checks, finalize audit,
// hygiene). Shown in tooltips and reports; evidence points at file:line.

/**
 * `not_applicable`: the check does not apply to this kind of package (a depth estimator has no
 * MODEL_CHOICES entry); the reason says why. It is neither a pass nor a fail.
 */
export type CheckStatus = 'pass' | 'fail' | 'unknown' | 'not_applicable';

export interface Evidence {
  /** Absolute path. */
  readonly file: string;
  /** 1-based line, when the evidence is a line. */
  readonly line?: number;
  readonly text?: string;
}

export interface CheckResult {
  readonly status: CheckStatus;
  /** One sentence a user understands: what was found or what is missing. */
  readonly reason: string;
  readonly evidence: readonly Evidence[];
}
