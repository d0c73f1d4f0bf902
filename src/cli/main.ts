// Sub-command dispatch. Each sub-command lives in its own file and exports `run(args)`.
import { inspectCommand } from './inspect';
import { statsCommand } from './stats';
import { compareCommand } from './compare';
import { imageDiffCommand } from './imageDiff';
import { auditCommand, coverageCommand, hygieneCommand } from './mflux';
import { checksCommand } from './checks';
export interface SubCommand {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: string[]): Promise<number>;
}

const commands: SubCommand[] = [
  inspectCommand,
  statsCommand,
  compareCommand,
  imageDiffCommand,
  auditCommand,
  hygieneCommand,
  coverageCommand,
  checksCommand,
];

const VERSION = '0.1.0';

function help(): string {
  const lines = [
    'mflux-port: inspect and compare tensor dumps and images from a PyTorch → MLX port',
    '',
    'Usage: mflux-port <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(11)} ${c.summary}`),
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
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`error: unknown command "${name}"; run \`mflux-port --help\`\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.usage.endsWith('\n') ? cmd.usage : cmd.usage + '\n');
    return 0;
  }
  return cmd.run(rest);
}
