// Runs every test/unit/**/*.test.ts with Node's test runner (TypeScript through tsx), or the
// files and folders given as arguments.
import { spawnSync } from 'node:child_process';
import { testFiles } from './lib/testFiles.mjs';

const files = testFiles(
  process.argv.slice(2).filter((a) => !a.startsWith('--')),
  ['test/unit'],
);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
