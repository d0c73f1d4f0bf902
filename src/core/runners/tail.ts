// The last lines a run printed in its terminal, kept in the run folder (output-tail.txt) so a
// failed run can show its traceback. Terminal output arrives as raw chunks with escape
// sequences (colours, shell-integration OSC 633, cursor moves) and carriage returns: they are
// removed, and only the last `maxLines` lines are kept. Pure.

export const TAIL_FILE = 'output-tail.txt';
const TAIL_LINES = 200;
/** A line longer than this is cut (a progress bar without newlines must not grow forever). */
const MAX_LINE = 4000;

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), other two-byte escapes, and C1 CSI/OSC.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\^_]|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07]*\x07/g;

/** The start of a CSI or OSC sequence whose end is still to come. */
// eslint-disable-next-line no-control-regex
const INCOMPLETE = /^\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*)?$/;

function stripEscapes(text: string): string {
  return text.replace(ESCAPES, '');
}

export class OutputTail {
  private readonly lines: string[] = [];
  private current = '';
  /** An escape sequence split across two chunks waits here for its end. */
  private pending = '';
  /** A carriage return waiting to see whether a newline follows it (CRLF split across chunks). */
  private cr = false;

  constructor(private readonly maxLines = TAIL_LINES) {}

  push(chunk: string): void {
    let text = this.pending + chunk;
    this.pending = '';
    const cut = text.lastIndexOf('\x1b');
    if (cut >= 0 && cut > text.length - 256) {
      const rest = text.slice(cut);
      if (INCOMPLETE.test(rest)) {
        // an unfinished CSI/OSC sequence: keep it for the next chunk
        this.pending = rest;
        text = text.slice(0, cut);
      }
    }
    for (const ch of stripEscapes(text)) {
      if (ch === '\n') {
        this.cr = false;
        this.endLine();
      } else if (ch === '\r') this.cr = true;
      else if (ch >= ' ' || ch === '\t') {
        // a carriage return not followed by a newline redraws the line (progress bars)
        if (this.cr) this.current = '';
        this.cr = false;
        if (this.current.length < MAX_LINE) this.current += ch;
      }
    }
  }

  private endLine(): void {
    this.lines.push(this.current.trimEnd());
    this.current = '';
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  /** The kept lines, the unfinished last one included, trailing blank lines dropped. */
  result(): string[] {
    const out = this.current ? [...this.lines, this.current.trimEnd()] : [...this.lines];
    while (out.length && !out[out.length - 1].trim()) out.pop();
    return out.slice(-this.maxLines);
  }
}

/**
 * The Python traceback at the end of the output (from its last "Traceback (most recent call
 * last):" on, at most `max` lines, its end kept), or the last `max` lines when there is none.
 */
export function tracebackTail(lines: readonly string[], max = 12): string[] {
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--)
    if (/^Traceback \(most recent call last\):/.test(lines[i].trim())) {
      start = i;
      break;
    }
  const from = start >= 0 ? lines.slice(start) : lines;
  return from.length > max ? from.slice(-max) : [...from];
}

/** The exception line of a traceback (`ValueError: shapes differ`), or the last non-blank line. */
export function errorLine(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i].trim();
    if (/^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)\b/.test(l)) return l;
  }
  return [...lines]
    .reverse()
    .find((l) => l.trim())
    ?.trim();
}
