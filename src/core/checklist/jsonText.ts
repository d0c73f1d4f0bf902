// Reading a state file's text without losing what the user wrote: bytes that are not UTF-8
// are refused (decoding would replace them with U+FFFD, and the next save would write that),
// and integers beyond 2^53 (which JSON.parse rounds) are carried through parse and stringify
// as placeholders and written back digit for digit.

export function decodeUtf8(bytes: Uint8Array): { text: string } | { error: string } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    let i = 0;
    // Find the first bad byte for the message.
    for (let lo = 0, hi = bytes.length; lo < hi;) {
      const mid = (lo + hi + 1) >> 1;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
        lo = mid;
        i = mid;
      } catch {
        hi = mid - 1;
      }
    }
    return { error: `is not valid UTF-8 (bad byte at offset ${i})` };
  }
}

const MARK = '\u0000mfp-int:';
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Replaces each integer literal JSON.parse would round by a string placeholder. Strings are
 * skipped (a number inside a string is text). Returns undefined when there is nothing to protect.
 */
export function protectBigIntegers(text: string): string | undefined {
  let out = '';
  let last = 0;
  let changed = false;
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) {
        i++;
        continue;
      }
      const lit = m[0];
      if (/^-?\d+$/.test(lit) && !Number.isSafeInteger(Number(lit))) {
        out += text.slice(last, i) + JSON.stringify(MARK + lit);
        last = i + lit.length;
        changed = true;
      }
      i += lit.length;
      continue;
    }
    i++;
  }
  return changed ? out + text.slice(last) : undefined;
}

/** Turns the placeholders of protectBigIntegers back into the digits, in JSON.stringify output. */
export function restoreBigIntegers(json: string): string {
  return json.replace(/"\\u0000mfp-int:(-?\d+)"/g, '$1');
}

/** True when a string the user wrote looks like a placeholder (then protection is not safe). */
export function hasPlaceholderText(text: string): boolean {
  return text.includes('\\u0000mfp-int:');
}

/** True for a placeholder string (a big integer where a string was expected). */
export function isPlaceholder(v: string): boolean {
  return v.startsWith(MARK);
}
