// Shell quoting for the command lines the runners type into integrated terminals.
//
// Every argument is passed literally: spaces, quotes, `$`, `;`, `&`, `|`, backticks, `*`,
// `!` and non-ASCII reach the program unchanged. Control characters cannot: the line is typed
// into a terminal, where a line break is an Enter key press, TAB completes, ^U erases the line,
// ^O runs it, ESC starts a key sequence… (a folder named with ^U…^O ran an injected command in
// bash and zsh). Every C0 and C1 control character and DEL is refused with a clear error
// instead of being typed.

export type ShellKind = 'posix' | 'fish' | 'pwsh';

export class UnquotableError extends Error {}

/** Which quoting rules a shell follows, from its executable path (`/bin/zsh`, `pwsh.exe`…). */
export function shellKind(shellPath: string | undefined): ShellKind {
  const base =
    (shellPath ?? '')
      .split(/[\\/]/)
      .pop()
      ?.toLowerCase()
      .replace(/\.exe$/, '') ?? '';
  if (base === 'fish') return 'fish';
  if (base === 'pwsh' || base === 'powershell' || base.startsWith('pwsh-')) return 'pwsh';
  if (base === 'cmd') {
    throw new UnquotableError(
      'cmd.exe is not supported by the runners (its quoting cannot pass every path unchanged): make PowerShell, Git Bash or WSL the default terminal profile.',
    );
  }
  // bash, zsh, sh, dash, ksh and anything unknown: POSIX single quotes are the common ground.
  return 'posix';
}

// Words that need no quotes. A leading `=` is excluded (zsh expands `=cmd` to a path); for
// PowerShell `,` (array), `@` (splatting), `%` and a leading `-` are excluded as well.
const SAFE_POSIX = /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+=:,./-]*$/;
const SAFE_PWSH = /^[A-Za-z0-9_./:\\][A-Za-z0-9_./:\\=+-]*$/;

// C0 controls, DEL and C1 controls: none of them can be typed into a terminal as text.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const C0_NAMES = [
  'NUL',
  '^A',
  '^B',
  '^C',
  '^D',
  '^E',
  '^F',
  'BEL',
  'BS',
  'TAB',
  'LF',
  'VT',
  'FF',
  'CR',
  '^N',
  '^O',
  '^P',
  '^Q',
  '^R',
  '^S',
  '^T',
  '^U',
  '^V',
  '^W',
  '^X',
  '^Y',
  '^Z',
  'ESC',
  '^\\',
  '^]',
  '^^',
  '^_',
];

function controlName(ch: string): string {
  const code = ch.charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (ch === '\n' || ch === '\r') return `it contains a line break (${hex}), which a terminal reads as Enter; rename the file or folder`;
  const name = code < 32 ? C0_NAMES[code] : code === 0x7f ? 'DEL' : 'a C1 control';
  return `it contains the control character ${hex} (${name}), which a terminal reads as a key press, not text; rename the file or folder`;
}

/** Quotes one argument so the shell passes it to the program byte for byte. */
export function quoteArg(arg: string, kind: ShellKind): string {
  const control = CONTROL.exec(arg);
  if (control) throw new UnquotableError(`cannot pass ${JSON.stringify(arg)} through a terminal: ${controlName(control[0])}`);
  if ((kind === 'pwsh' ? SAFE_PWSH : SAFE_POSIX).test(arg)) return arg;
  switch (kind) {
    case 'posix':
      // Inside '…' nothing is special. A quote becomes \' between quoted runs; empty runs are
      // left out, so no '' appears (zsh's RC_QUOTES option would read it as a quote).
      if (arg === '') return "''";
      return arg
        .split("'")
        .map((run) => (run ? `'${run}'` : ''))
        .join("\\'");
    case 'fish':
      // fish single quotes recognise exactly two escapes: \' and \\.
      return `'${arg.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    case 'pwsh':
      // PowerShell single quotes: a quote is doubled; it also treats the typographic
      // single quotes ‘ ’ ‚ ‛ as quote characters, so those are doubled too.
      return `'${arg.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
  }
}

/** A program and its arguments as one command for the shell. */
export function joinArgv(argv: readonly string[], kind: ShellKind): string {
  if (argv.length === 0) throw new Error('empty command');
  const words = argv.map((a) => quoteArg(a, kind));
  // PowerShell only runs a quoted program name through the call operator.
  return kind === 'pwsh' ? `& ${words.join(' ')}` : words.join(' ');
}
