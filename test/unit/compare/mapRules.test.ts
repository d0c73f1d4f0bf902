// `--map` rules that would hang or crash V8 are refused with one line naming the map file and
// the rule's line; the single-tensor pairing of two differently named files; the manifest
// parser on the probe's records. Tensors are written by NumPy, the CLI is the built one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, pythonJson } from '../../helpers/python';
import { applyRules, compileRules, readCompareMap, unsafePattern } from '../../../src/core/compare/mapFile';
import { parseManifest, manifestNames } from '../../../src/core/capture/manifest';
import { openTensors } from '../../../src/core/tensors';
import type { ReportJson } from '../../../src/core/compare/types';
import { ensureBuilt } from '../../helpers/cli';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'mp-maprules-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let a = '';
let b = '';
let expected: { max_abs: number };
before(() => {
  ensureBuilt();
  a = join(tmp, 'a.npy');
  b = join(tmp, 'b.npy');
  expected = pythonJson(
    `
import numpy as np, json, sys
x = np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4)
y = x + np.float32(0.25) * (np.arange(24, dtype=np.float32).reshape(2, 3, 4) == 7)
np.save(sys.argv[1], x); np.save(sys.argv[2], y)
print(json.dumps({"max_abs": float(np.abs(y.astype(np.float64) - x).max())}))`,
    [a, b],
  );
});

function mapFile(name: string, body: unknown): string {
  const f = join(tmp, name);
  writeFileSync(f, typeof body === 'string' ? body : JSON.stringify(body, null, 1));
  return f;
}

test('patterns that backtrack for ever are refused, ordinary ones are not', () => {
  for (const p of ['^(a+)+$', '(a*)*', '(?:x+y?)+z', '^(a|aa)+$', '(a|b)*c', '(\\w+)\\1', '(?<n>a)\\k<n>', '.*.*.*.*.*x']) {
    assert.ok(unsafePattern(p), `${p} should be refused`);
  }
  for (const p of [
    '^attentions\\.(\\d+)',
    '^transformer_blocks\\.(\\d+)\\.attn\\.to_([qkv])$',
    '(?:to_q|to_k)\\.weight$',
    '^(a+)$',
    '[(+)]+',
    '\\(a+\\)+',
    'a{2}(b{1})?',
    '^.*\\.(\\d+)\\.(.*)$',
  ]) {
    assert.equal(unsafePattern(p), undefined, p);
  }
});

test('^(a+)+$ in a map: exit 2 at once, one line naming the map file and the rule line', () => {
  const f = mapFile('redos.json', '{\n "rename": [\n  {"from": "^x$", "to": "y"},\n  {"from": "^(a+)+$", "to": "b"}\n ]\n}\n');
  const r = cli('compare', a, b, '--map', f);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `^error: ${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4: rename\\[1\\]\\.from is refused: nested repetition "\\(a\\+\\)\\+"`,
    ),
  );
  // the same for a tolerance pattern
  const t = mapFile('redos-tol.json', '{"tolerances": [\n {"pattern": "(x|xx)*$", "atol": 1}\n]}');
  const rt = cli('compare', a, b, '--map', t);
  assert.equal(rt.code, 2);
  assert.match(rt.stderr, /redos-tol\.json:2: tolerances\[0\]\.pattern is refused: repeated alternation/);
});

test('$&-heavy replacements: a one-line error instead of a V8 crash', () => {
  // 40 doubling rules would make a 2^40-character name
  const f = mapFile('amp.json', { rename: Array.from({ length: 40 }, () => ({ from: '.+', to: '$&$&' })) });
  const r = cli('compare', a, b, '--map', f);
  assert.equal(r.code, 2, `${r.code} ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /amp\.json:\d+: rename\[\d+\] turns "a" into a name longer than 4096 characters/);
  // in-process: the exact rule that crosses the bound (rule k makes 2^(k+1) characters: rename[12] makes 8192)
  const rules = compileRules(readCompareMap(f));
  assert.throws(() => applyRules('a', rules), /amp\.json:\d+: rename\[12\] /);
  assert.equal(applyRules('a', rules.slice(0, 12)).length, 4096);
  // a replacement longer than 1000 characters is refused when the map is read
  const long = mapFile('long.json', { rename: [{ from: 'a', to: '$&'.repeat(600) }] });
  assert.throws(() => readCompareMap(long), /long\.json:\d+: rename\[0\]\.to is longer than 1000 characters/);
});

test('{"tensors": {"x": null}} and other bad tolerance entries: one line naming the file', () => {
  for (const [body, msg] of [
    ['{"tensors": {"x": null}}', /bad1\.json: tensors\["x"\] must be an object/],
    ['{"tensors": {"x": {"atol": "1e-3"}}}', /bad2\.json: tensors\["x"\]\.atol must be a non-negative number/],
    ['{"tolerances": [{"pattern": "^v", "atol": -1}]}', /bad3\.json:1: tolerances\[0\]\.atol must be a non-negative number/],
  ] as const) {
    const name = `bad${msg.source.match(/bad(\d)/)?.[1]}.json`;
    const r = cli('compare', a, b, '--map', mapFile(name, body));
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, msg);
  }
});

test('one tensor a side with different names: they are the pair, marked single, and the table says so', () => {
  const r = cli('compare', a, b, '--json', join(tmp, 'single.json'));
  assert.equal(r.code, 1, r.stderr); // element 7 differs by 0.25
  assert.match(r.stdout, /note: one tensor on each side, so "a" is paired with "b" despite the different names/);
  assert.match(r.stdout, /DIVERGED\s+a\s+\[single: b\]/);
  const rep = JSON.parse(spawnSync('cat', [join(tmp, 'single.json')], { encoding: 'utf8' }).stdout) as ReportJson;
  assert.equal(rep.pairs.length, 1);
  assert.deepEqual(rep.pairs[0].pairing, { by: 'single' });
  assert.equal(rep.pairs[0].max_abs, expected.max_abs);
  // --write-map turns it into a rule the next run uses by name
  const m = join(tmp, 'single-map.json');
  assert.equal(cli('compare', a, b, '--write-map', m).code, 1);
  const again = cli('compare', a, b, '--map', m, '--json', '-');
  assert.deepEqual((JSON.parse(again.stdout) as ReportJson).pairs[0].pairing, { by: 'rule' });
  // never over an existing file without --overwrite-map
  const kept = cli('compare', a, b, '--write-map', m);
  assert.equal(kept.code, 2);
  assert.match(kept.stderr, /--write-map .*single-map\.json exists; pass --overwrite-map to replace it/);
  assert.equal(cli('compare', a, b, '--write-map', m, '--overwrite-map').code, 1);
});

test("the manifest parser: the probe's tensor, skipped and cut records; unknown kinds kept; torn last line", async () => {
  const text = [
    '{"index": 0, "name": "x", "base": "x", "file": "00000-x.safetensors", "dtype": "F32", "shape": [2], "step": null, "bytes": 8, "site": {"file": "run.py", "line": 3}}',
    '{"kind": "skipped", "name": "gen", "reason": "a generator cannot be written", "time": "t"}',
    '{"index": 1, "name": "x#2", "base": "x", "file": "00001-x_2.safetensors", "dtype": "BF16", "shape": [2], "step": 4}',
    '{"kind": "cut", "scope": "run", "after": "x#2", "next": "y", "bytes": 16, "max_bytes": 16, "origin": "MFLUX_PORT_MAX_BYTES"}',
    '{"kind": "future-thing", "whatever": 1}',
    '{"index": 2, "na',
  ].join('\n');
  const m = parseManifest(text, 'm.jsonl');
  assert.deepEqual(manifestNames(m), ['x', 'x#2']);
  assert.deepEqual(m.tensors[0].site, { file: 'run.py', line: 3 });
  assert.equal(m.tensors[1].step, 4);
  assert.deepEqual(
    m.others.map((o) => o.kind),
    ['skipped', 'cut', 'future-thing'],
  );
  assert.equal(m.torn, true);
  assert.throws(() => parseManifest('{"name": 3}\n{"name": "a"}\n', 'm.jsonl'), /m\.jsonl: line 1 has no string "name"/);
  // the folder reader places only tensor records: a probe folder with skipped/cut lines opens
  const dir = join(tmp, 'run');
  mkdirSync(dir);
  pythonJson(
    `
import numpy as np, json, sys, os
d = sys.argv[1]
np.save(os.path.join(d, "b.npy"), np.arange(3, dtype=np.float32))
np.save(os.path.join(d, "a.npy"), np.ones(2, dtype=np.float32))
lines = [{"index": 0, "name": "second", "file": "b.npy"}, {"kind": "skipped", "name": "gen", "reason": "r"},
         {"index": 1, "name": "first", "file": "a.npy"}, {"kind": "cut", "scope": "run", "after": "first", "next": "z"}]
open(os.path.join(d, "manifest.jsonl"), "w").write("".join(json.dumps(l) + "\\n" for l in lines))
print("{}")`,
    [dir],
  );
  const src = await openTensors(dir);
  assert.deepEqual(
    src.list().map((t) => t.name),
    ['second', 'first'],
  );
  await src.close();
});
