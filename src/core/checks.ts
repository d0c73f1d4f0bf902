// The result every file-based check returns (checklist auto-checks, finalize audit,
// hygiene). Shown in tooltips and reports; evidence points at file:line.

export type CheckStatus = 'pass' | 'fail' | 'unknown';

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
