// Fails when package.json and the code drift apart: every contributed command must be
// registered somewhere in src/, every registered command must be contributed, and every
// command a menu or view names must exist.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const contributed = new Set((pkg.contributes?.commands ?? []).map((c) => c.command));

function files(dir, out = []) {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) files(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}
const source = files('src')
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');
const registered = new Set([...source.matchAll(/['"`](mfluxPort\.[A-Za-z0-9_.]+)['"`]/g)].map((m) => m[1]));

const problems = [];
for (const id of contributed) if (!registered.has(id)) problems.push(`${id} is contributed in package.json but never named in src/`);
const menus = pkg.contributes?.menus ?? {};
for (const [where, items] of Object.entries(menus)) {
  for (const it of items)
    if (it.command && !contributed.has(it.command)) problems.push(`menu ${where} names unknown command ${it.command}`);
}
for (const wt of pkg.contributes?.walkthroughs ?? []) {
  for (const s of wt.steps ?? []) {
    for (const ev of s.completionEvents ?? []) {
      const m = /^onCommand:(.+)$/.exec(ev);
      if (m && !contributed.has(m[1])) problems.push(`walkthrough step ${s.id} completes on unknown command ${m[1]}`);
    }
  }
}
if (problems.length) {
  for (const p of problems) console.error(`error: ${p}`);
  process.exit(1);
}
console.log(`manifest ok: ${contributed.size} commands`);
