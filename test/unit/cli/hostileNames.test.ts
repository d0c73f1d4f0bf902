// Hostile tensor names and output paths, through the real CLI on files written by NumPy:
// control characters in names are escaped in text output (exact in JSON); --json, --html,
// --heatmaps and --write-map never replace or enter an input, whatever path spells it;
// heatmap files of `blk` and `blk.channels` do not collide.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, pythonCode } from '../../helpers/python';

const tmp = mkdtempSync(join(tmpdir(), 'mp-hostile-'));
// ESC OSC title + BEL, a CSI colour, a newline forging a line, C1 CSI (U+009B), DEL, TAB
const EVIL = ['a\x1b]0;pwned\x07b', 'c\x1b[31mred', 'd\nDIVERGED forged', 'e\u009b2Jf', 'g\x7fh\ti'];

const SAVE = `
import json, sys
import numpy as np
from st_write import write_safetensors as save
`;
import { ensureBuilt, runCli } from '../../helpers/cli';

function py(code: string, ...args: string[]): void {
  pythonCode(SAVE + code, args);
}

before(() => {
  ensureBuilt();
  py(
    `
names = json.loads(sys.argv[2])
rng = np.random.default_rng(1)
ref = [(n, rng.standard_normal(6).astype(np.float32)) for n in names]
save(sys.argv[1] + "/evil_ref.safetensors", ref)
save(sys.argv[1] + "/evil_cand.safetensors", [(n, a + np.float32(0.5)) for n, a in ref])
# blk and blk.channels: channel heatmaps of the first used to take the second's file name
x = rng.standard_normal((1, 4, 8, 8)).astype(np.float32)
y = rng.standard_normal((1, 4, 8, 8)).astype(np.float32)
save(sys.argv[1] + "/blk_ref.safetensors", [("blk", x), ("blk.channels", y)])
save(sys.argv[1] + "/blk_cand.safetensors", [("blk", x + 1), ("blk.channels", y * 3)])
`,
    tmp,
    JSON.stringify(EVIL),
  );
});
after(() => rmSync(tmp, { recursive: true, force: true }));

// eslint-disable-next-line no-control-regex -- the point is to find control characters
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

function assertNoControls(text: string, what: string): void {
  assert.doesNotMatch(text, CONTROL, `${what} has a raw control character`);
  assert.ok(!text.split('\n').some((l) => l.startsWith('DIVERGED forged')), `${what}: a name forged a line`);
}

test('inspect, stats and compare escape control characters in names; --json keeps them exact', () => {
  const ref = join(tmp, 'evil_ref.safetensors');
  const cand = join(tmp, 'evil_cand.safetensors');
  const ins = runCli('inspect', ref);
  assert.equal(ins.code, 0, ins.stderr);
  assertNoControls(ins.stdout, 'inspect');
  assert.ok(ins.stdout.includes('a\\x1b]0;pwned\\x07b'), ins.stdout);
  assert.ok(ins.stdout.includes('d\\nDIVERGED forged'));
  assert.ok(ins.stdout.includes('e\\x9b2Jf') && ins.stdout.includes('g\\x7fh\\ti'));
  const insJson = JSON.parse(runCli('inspect', ref, '--json').stdout) as { tensors: { name: string }[] };
  assert.deepEqual(insJson.tensors.map((t) => t.name).sort(), [...EVIL].sort());

  const st = runCli('stats', ref);
  assert.equal(st.code, 0, st.stderr);
  assertNoControls(st.stdout, 'stats');
  assert.ok(st.stdout.includes('c\\x1b[31mred: first'));
  const stJson = JSON.parse(runCli('stats', ref, '--json').stdout) as { tensors: { name: string }[] };
  assert.deepEqual(stJson.tensors.map((t) => t.name).sort(), [...EVIL].sort());
  // a missing name in an error is one line without the control characters
  const miss = runCli('stats', ref, '--tensor', 'zz\x1b]0;x\x07\nforged');
  assert.equal(miss.code, 2);
  assert.equal(miss.stderr.trimEnd().split('\n').length, 1, miss.stderr);
  assertNoControls(miss.stderr, 'stats error');

  const cmp = runCli('compare', ref, cand);
  assert.equal(cmp.code, 1, cmp.stderr);
  assertNoControls(cmp.stdout, 'compare');
  assertNoControls(cmp.stderr, 'compare stderr');
  assert.match(cmp.stdout, /first divergence: .*\\x/);
  const cmpJson = JSON.parse(runCli('compare', ref, cand, '--json', '-').stdout) as { pairs: { name: string }[] };
  assert.deepEqual(cmpJson.pairs.map((p) => p.name).sort(), [...EVIL].sort());
});

function refused(args: string[], file: RegExp): void {
  const r = runCli(...args);
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], file);
}

test('outputs never overwrite or enter an input, also through symlinks and hard links', () => {
  const d = join(tmp, 'ow');
  const data = join(d, 'data');
  const dump = join(d, 'dump');
  mkdirSync(data, { recursive: true });
  mkdirSync(dump);
  py(
    `
a = np.arange(6, dtype=np.float32)
save(sys.argv[1] + "/data/ref.safetensors", [("x", a)])
save(sys.argv[1] + "/data/cand.safetensors", [("x", a + 1)])
save(sys.argv[1] + "/dump/x.safetensors", [("x", a)])
# a sharded checkpoint: the index names two shards
save(sys.argv[1] + "/data/m-1.safetensors", [("x", a)])
save(sys.argv[1] + "/data/m-2.safetensors", [("y", a)])
json.dump({"weight_map": {"x": "m-1.safetensors", "y": "m-2.safetensors"}}, open(sys.argv[1] + "/data/m.safetensors.index.json", "w"))
`,
    d,
  );
  const ref = join(data, 'ref.safetensors');
  const cand = join(data, 'cand.safetensors');
  const refBytes = readFileSync(ref);
  symlinkSync(ref, join(d, 'link.safetensors')); // the input given through a symlink
  symlinkSync(data, join(d, 'alias')); // a symlinked folder of the inputs
  symlinkSync(dump, join(d, 'dumpalias'));
  linkSync(cand, join(d, 'hard.safetensors')); // a hard link of the candidate
  const link = join(d, 'link.safetensors');

  // the file the symlinked input points at, named directly
  refused(['compare', link, cand, '--json', ref], /^error: --json .*data\/ref\.safetensors is the input .*link\.safetensors/);
  // the input by another path through a symlinked folder
  refused(['compare', ref, cand, '--html', join(d, 'alias', 'ref.safetensors')], /^error: --html .*alias\/ref\.safetensors is the input/);
  // a hard link of an input
  refused(
    ['compare', ref, cand, '--json', join(d, 'hard.safetensors')],
    /^error: --json .*hard\.safetensors is the input .*cand\.safetensors/,
  );
  // a folder input entered through a symlink
  refused(
    ['compare', dump, dump, '--json', join(d, 'dumpalias', 'report.json')],
    /^error: --json .*dumpalias\/report\.json would write inside the input/,
  );
  refused(['compare', dump, dump, '--heatmaps', join(d, 'dumpalias', 'heat')], /^error: --heatmaps .* would write inside the input/);
  // a shard of a sharded input
  const index = join(data, 'm.safetensors.index.json');
  refused(['compare', index, index, '--json', join(d, 'alias', 'm-2.safetensors')], /^error: --json .*m-2\.safetensors is the input/);
  // the map file read by --map, named through the symlinked folder
  const map = join(d, 'map.json');
  spawnSync(PYTHON, ['-c', `open(${JSON.stringify(map)}, "w").write('{"rename": []}')`]);
  refused(['compare', ref, cand, '--map', map, '--json', map], /^error: --json .*map\.json is the input/);
  // image-diff --heatmap through a symlink to the input image
  py(
    `
from PIL import Image
Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(sys.argv[1] + "/a.png")
Image.fromarray(np.ones((4, 4, 3), np.uint8)).save(sys.argv[1] + "/b.png")
`,
    d,
  );
  const aBytes = readFileSync(join(d, 'a.png'));
  refused(
    ['image-diff', join(d, 'a.png'), join(d, 'b.png'), '--heatmap', join(d, 'alias', '..', 'a.png')],
    /^error: --heatmap .*a\.png is the input/,
  );
  symlinkSync(join(d, 'a.png'), join(d, 'a-link.png'));
  refused(
    ['image-diff', join(d, 'a-link.png'), join(d, 'b.png'), '--heatmap', join(d, 'a.png')],
    /^error: --heatmap .*a\.png is the input/,
  );

  assert.deepEqual(readFileSync(ref), refBytes, 'the reference is untouched');
  assert.deepEqual(readFileSync(join(d, 'a.png')), aBytes, 'the image is untouched');
  assert.deepEqual(readdirSync(dump), ['x.safetensors'], 'nothing was written inside the dump');
  assert.ok(!existsSync(join(data, 'report.json')));
  // and an output beside the inputs is still written
  const ok = runCli('compare', ref, cand, '--json', join(d, 'report.json'));
  assert.equal(ok.code, 1, ok.stderr);
  assert.ok(existsSync(join(d, 'report.json')));
});

test('heatmaps of blk and blk.channels get distinct files', () => {
  const out = join(tmp, 'heat');
  const r = runCli('compare', join(tmp, 'blk_ref.safetensors'), join(tmp, 'blk_cand.safetensors'), '--heatmaps', out, '--quiet');
  assert.equal(r.code, 1, r.stderr);
  const files = readdirSync(out).sort();
  const pngs = files.filter((f) => f.endsWith('.png'));
  assert.equal(pngs.length, 4, `two maps and two channel tiles: ${files.join(', ')}`);
  const legends = files.filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(out, f), 'utf8')));
  assert.deepEqual(legends.map((l) => l.name).sort(), ['blk', 'blk.channels']);
  const seen = new Set<string>();
  for (const l of legends) {
    for (const png of [l.png, l.channels?.png]) {
      assert.ok(png && existsSync(join(out, png)), `${l.name}: ${png}`);
      assert.ok(!seen.has(png), `${png} is used twice`);
      seen.add(png);
    }
  }
  assert.equal(legends.find((l) => l.name === 'blk').channels.png, 'blk.channels.png');
});
