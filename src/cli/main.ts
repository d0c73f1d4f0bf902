// Sub-command dispatch. Each sub-command lives in its own file and exports `run(args)`.
// Only the command asked for is loaded: `npm run build` bundles each command file on its own
// (dist/cli-<file>.js, next to dist/cli.js), so `mflux-port image-diff` does not compile or
// initialise the code of the other commands. From source (tsx) the .ts file is loaded.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface SubCommand {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: string[]): Promise<number>;
}

/** Command name → the file under src/cli/ that defines it and the name it is exported as
 * (scripts/build.mjs reads the `file:` values here to bundle each file). */
const COMMANDS: readonly { name: string; file: string; exported: string }[] = [
  { name: 'inspect', file: 'inspect', exported: 'inspectCommand' },
  { name: 'stats', file: 'stats', exported: 'statsCommand' },
  { name: 'compare', file: 'compare', exported: 'compareCommand' },
  { name: 'image-diff', file: 'imageDiff', exported: 'imageDiffCommand' },
  { name: 'audit', file: 'mflux', exported: 'auditCommand' },
  { name: 'hygiene', file: 'mflux', exported: 'hygieneCommand' },
  { name: 'coverage', file: 'mflux', exported: 'coverageCommand' },
  { name: 'checks', file: 'checks', exported: 'checksCommand' },
];

function load(entry: { file: string; exported: string }): SubCommand {
  const bundled = join(__dirname, `cli-${entry.file}.js`);
  const path = existsSync(bundled) ? bundled : join(__dirname, entry.file);
  // A computed path: esbuild leaves this require alone instead of bundling every command.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path) as Record<string, SubCommand | undefined>;
  const cmd = mod[entry.exported];
  if (!cmd) throw new Error(`internal: ${path} does not export ${entry.exported}`);
  return cmd;
}

export const VERSION = '0.1.0';

function help(): string {
  const lines = [
    'mflux-port: inspect and compare tensor dumps and images from a PyTorch → MLX port',
    '',
    'Usage: mflux-port <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(11)} ${load(c).summary}`),
    '',
    'Run `mflux-port <command> --help` for the options of one command.',
    'Exit codes: 0 success, 1 comparison failed, 2 bad input or usage.',
  ];
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`error: unknown command "${name}"; run \`mflux-port --help\`\n`);
    return 2;
  }
  const cmd = load(entry);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.usage.endsWith('\n') ? cmd.usage : cmd.usage + '\n');
    return 0;
  }
  return cmd.run(rest);
}
