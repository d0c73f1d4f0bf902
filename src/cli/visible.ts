// Untrusted text (tensor names, file paths, map patterns) for a terminal: every C0 control
// character (ESC, BEL, CR, LF, TAB …), DEL and every C1 control (U+0080–U+009F, CSI/OSC in
// 8-bit form) is written as a visible escape (`\x1b`, `\n`, `\x9b`), so a name can neither
// move the cursor, retitle the window, hide text nor forge an extra line of output.
// JSON output is left exact: JSON.stringify already escapes C0 controls.

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `s` with control characters escaped; text without them is returned unchanged. */
export function visible(s: string): string {
  return s.replace(CONTROL, (ch) => NAMED[ch] ?? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
