// From the user's command template to the one line typed into a terminal.
import { joinArgv, quoteArg, type ShellKind } from './quote';

export const DEFAULT_TEMPLATE = 'uv run python {script}';
const PLACEHOLDERS = ['script', 'runDir', 'port', 'python', 'uv'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Record<Placeholder, string>;

export class TemplateError extends Error {}

/**
 * Splits a template into words (whitespace separates; "…" or '…' keep spaces inside a word)
 * and fills placeholders. A placeholder fills part of a word (`--out={runDir}`) or all of it;
 * either way the word stays one argument, whatever the value contains. A bare `uv` as the
 * program is the configured uv executable.
 */
export function expandTemplate(template: string, values: TemplateValues): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (const ch of template) {
    if (quote) {
      if (ch === quote) quote = null;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new TemplateError(`the command template has an unclosed ${quote}: ${template}`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new TemplateError('the command template is empty');
  const filled = words.map((w) =>
    w.replace(/\{([^{}]*)\}/g, (_m, key: string) => {
      if (!(PLACEHOLDERS as readonly string[]).includes(key)) {
        throw new TemplateError(
          `unknown placeholder {${key}} in the command template (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`,
        );
      }
      return values[key as Placeholder];
    }),
  );
  if (words[0] === 'uv' && values.uv) filled[0] = values.uv;
  return filled;
}

export interface EnvPlan {
  /** Variables set for this command only (PowerShell: for the session, which the next run overwrites). */
  readonly set: ReadonlyArray<readonly [string, string]>;
  /** A folder put first on PYTHONPATH, keeping whatever PYTHONPATH the shell already has. */
  readonly prependPythonPath?: string;
}

export interface ShellCommand {
  /** The folder to run in; the line starts with a `cd` there because terminals are reused. */
  readonly cwd: string;
  readonly env: EnvPlan;
  readonly argv: readonly string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One line for the given shell: cd, environment, then the program with quoted arguments. */
export function composeCommand(cmd: ShellCommand, kind: ShellKind): string {
  for (const [name] of cmd.env.set) if (!NAME.test(name)) throw new Error(`invalid environment variable name: ${name}`);
  const q = (s: string) => quoteArg(s, kind);
  const program = joinArgv(cmd.argv, kind);
  const pp = cmd.env.prependPythonPath;
  switch (kind) {
    case 'posix': {
      const vars = cmd.env.set.map(([k, v]) => `${k}=${q(v)}`);
      // ${PYTHONPATH:+:…} adds the separator only when PYTHONPATH is set and not empty:
      // an empty entry would put the current directory on sys.path.
      if (pp !== undefined) vars.push(`PYTHONPATH=${q(pp)}"\${PYTHONPATH:+:$PYTHONPATH}"`);
      return `cd ${q(cmd.cwd)} && ${[...vars, program].join(' ')}`;
    }
    case 'fish': {
      const vars = cmd.env.set.map(([k, v]) => `${k}=${q(v)}`);
      // fish keeps *PATH variables as lists; `string join` rebuilds the colon form, and an
      // unset PYTHONPATH adds nothing.
      if (pp !== undefined) vars.push(`PYTHONPATH=(string join : -- ${q(pp)} $PYTHONPATH)`);
      return `cd ${q(cmd.cwd)}; and ${[...vars, program].join(' ')}`;
    }
    case 'pwsh': {
      const parts = [`Set-Location -ErrorAction Stop -LiteralPath ${q(cmd.cwd)}`];
      for (const [k, v] of cmd.env.set) parts.push(`$env:${k} = ${q(v)}`);
      if (pp !== undefined) {
        // The session keeps $env changes, so drop an earlier copy of the folder before prepending.
        const sep = '[IO.Path]::PathSeparator';
        parts.push(
          `$env:PYTHONPATH = ((@(${q(pp)}) + @(("$env:PYTHONPATH" -split ${sep}) | Where-Object { $_ -and $_ -ne ${q(pp)} })) -join ${sep})`,
        );
      }
      parts.push(program);
      return parts.join('; ');
    }
  }
}
