// Lists the exports of src/ and webview/ that no other file imports, with the TypeScript
// compiler's own resolution (through re-exports and `export *`). `node scripts/dead-exports.mjs`
// prints three groups: exports nothing uses (delete them), exports used only in their own file
// (values: drop the `export`; types marked "(type)" may stay exported when they spell an exported
// signature), and exports only tests or benchmarks import (judge: the public API?).
// The build's entry points (scripts/build.mjs) are kept: VS Code, Node and the workers load them.
import ts from 'typescript';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const ENTRY_POINTS = new Set(['src/extension.ts', 'src/cli.ts', 'src/core/compare/worker.ts', 'src/core/viewer/imageWorker.ts']);
// the CLI's commands are required by name (the `file:` values of COMMANDS in src/cli/main.ts)
for (const m of readFileSync(join(root, 'src/cli/main.ts'), 'utf8').matchAll(/\bfile: '(\w+)'/g)) ENTRY_POINTS.add(`src/cli/${m[1]}.ts`);
const OWN = ['src', 'webview'];
const USERS = ['src', 'webview', 'test', 'bench', 'scripts'];

function tsFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    // links are not followed (test fixtures hold broken ones on purpose)
    if (entry.isDirectory()) out.push(...tsFiles(p));
    else if (entry.isFile() && p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const files = USERS.flatMap((d) => tsFiles(join(root, d)));
const program = ts.createProgram(files, {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: ['node'],
  allowJs: false,
  noEmit: true,
  skipLibCheck: true,
  resolveJsonModule: true,
});
const checker = program.getTypeChecker();
const rel = (f) => relative(root, f).split('\\').join('/');
const original = (s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);

/** original symbol → the files (other than its own) that import it */
const importers = new Map();
function use(symbol, file) {
  if (!symbol) return;
  const s = original(symbol);
  if (!importers.has(s)) importers.set(s, new Set());
  importers.get(s).add(file);
}

for (const sf of program.getSourceFiles()) {
  const file = rel(sf.fileName);
  if (file.startsWith('..') || file.includes('node_modules')) continue;
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && node.importClause) {
      const c = node.importClause;
      if (c.name) use(checker.getSymbolAtLocation(c.name), file);
      const b = c.namedBindings;
      if (b && ts.isNamespaceImport(b)) namespaces.push({ ns: checker.getSymbolAtLocation(b.name), module: node.moduleSpecifier });
      else if (b) for (const el of b.elements) use(checker.getSymbolAtLocation(el.name), file);
    }
    // `import('x')` and `typeof import('x')`: every export of x counts as used
    if ((ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) || ts.isImportTypeNode(node)) {
      const arg = ts.isCallExpression(node) ? node.arguments[0] : node.argument.literal;
      const mod = arg && checker.getSymbolAtLocation(arg);
      if (mod) for (const e of checker.getExportsOfModule(mod)) use(e, file);
    }
    // `ns.x` of a namespace import uses x; `ns` anywhere else (passed on whole) uses every export
    if (ts.isIdentifier(node) && !ts.isNamespaceImport(node.parent)) {
      const hit = namespaces.find((n) => n.ns && checker.getSymbolAtLocation(node) === n.ns);
      if (hit) {
        const p = node.parent;
        if (ts.isPropertyAccessExpression(p) && p.expression === node) use(checker.getSymbolAtLocation(p.name), file);
        else if (ts.isQualifiedName(p) && p.left === node) use(checker.getSymbolAtLocation(p.right), file);
        else {
          const mod = checker.getSymbolAtLocation(hit.module);
          if (mod) for (const e of checker.getExportsOfModule(mod)) use(e, file);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  const namespaces = [];
  visit(sf);
}

const dead = [];
const localOnly = [];
const testOnly = [];
for (const sf of program.getSourceFiles()) {
  const file = rel(sf.fileName);
  if (!OWN.some((d) => file.startsWith(`${d}/`)) || ENTRY_POINTS.has(file)) continue;
  const mod = checker.getSymbolAtLocation(sf);
  if (!mod) continue;
  for (const e of checker.getExportsOfModule(mod)) {
    const s = original(e);
    const decl = s.declarations?.[0];
    // a re-export of another file's symbol is judged where that symbol is declared
    if (!decl || rel(decl.getSourceFile().fileName) !== file) continue;
    const users = [...(importers.get(s) ?? [])].filter((f) => f !== file);
    const line = sf.getLineAndCharacterOfPosition(decl.getStart()).line + 1;
    const where = `${file}:${line} ${e.name}`;
    if (users.length === 0) {
      const text = sf.getFullText();
      const uses = text.match(new RegExp(`\\b${e.name.replace(/\$/g, '\\$')}\\b`, 'g'))?.length ?? 0;
      const typeOnly = !(s.flags & ts.SymbolFlags.Value);
      (uses > 1 ? localOnly : dead).push(typeOnly ? `${where} (type)` : where);
    } else if (users.every((f) => !OWN.some((d) => f.startsWith(`${d}/`)))) testOnly.push(`${where}  (${users.join(', ')})`);
  }
}

const show = (title, list) => {
  console.log(`${title}: ${list.length}`);
  for (const l of list.sort()) console.log(`  ${l}`);
};
show('exported, imported nowhere, unused in its file', dead);
show('exported, used only in its own file', localOnly);
show('exported, imported only by tests/benchmarks', testOnly);
