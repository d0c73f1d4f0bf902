// Tiny argument parsing shared by the tensor sub-commands: positionals, boolean flags and
// flags with a value. Unknown flags are usage errors.
export class UsageError extends Error {}

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Set<string>;
  readonly values: Map<string, string[]>;
}

export function parseArgs(args: string[], booleans: string[], withValue: string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq > 0 ? a.slice(0, eq) : a;
      if (booleans.includes(key) && eq < 0) flags.add(key);
      else if (withValue.includes(key)) {
        const v = eq > 0 ? a.slice(eq + 1) : args[++i];
        if (v === undefined) throw new UsageError(`${key} needs a value`);
        values.set(key, [...(values.get(key) ?? []), v]);
      } else throw new UsageError(`unknown option ${a}`);
    } else positionals.push(a);
  }
  return { positionals, flags, values };
}
