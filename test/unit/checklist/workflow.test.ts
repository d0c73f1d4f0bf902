import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_ITEMS, WORKFLOW, findItem, phaseLabel, phaseOf } from '../../../src/core/checklist/workflow';
import { BUILTIN_RULES } from '../../../src/core/checklist/rules';

// Every step of the seed workflow (skills/mflux-model-porting), with the phase it belongs to,
// the checklist item(s) that carry it, and a word the item's text must contain so the
// mapping cannot point at an unrelated item.
const SEED_STEPS: { phase: string; step: string; items: string[]; mentions: RegExp }[] = [
  { phase: 'scope', step: 'define target parity: outputs, speed, memory', items: ['scope.targets'], mentions: /speed|memory/i },
  { phase: 'scope', step: 'acceptable tolerances', items: ['scope.tolerances'], mentions: /atol|rtol/ },
  { phase: 'scope', step: 'reference files and configs to mirror', items: ['scope.referenceFiles'], mentions: /config/i },
  { phase: 'scope', step: 'checkpoints to mirror', items: ['scope.checkpoints'], mentions: /Hugging Face/ },
  { phase: 'scope', step: 'draft a plan and review it before implementing', items: ['scope.plan'], mentions: /plan/i },
  { phase: 'fast', step: 'model package skeleton', items: ['fast.skeleton'], mentions: /skeleton|folders/i },
  { phase: 'fast', step: 'variant class and initializer', items: ['fast.variantInitializer'], mentions: /initializer/i },
  { phase: 'fast', step: 'review recent ports (z_image, flux2_klein) for structure', items: ['fast.studyRecentPort'], mentions: /z_image/ },
  { phase: 'fast', step: 'weight definitions early', items: ['fast.weightDefinition'], mentions: /WeightDefinition/ },
  {
    phase: 'fast',
    step: 'weight mappings early; quantization in initializer, off early',
    items: ['fast.weightMapping', 'fast.variantInitializer'],
    mentions: /mapping|Quantization/i,
  },
  { phase: 'fast', step: 'simple explicit first implementation, no mx.compile', items: ['fast.keepSimple'], mentions: /mx\.compile/ },
  {
    phase: 'fast',
    step: 'inspect tensors in the HF cache to confirm names and shapes',
    items: ['fast.mappingAgainstCache'],
    mentions: /cache/i,
  },
  { phase: 'fast', step: 'two tiny hard-coded runner scripts with diffusers defaults', items: ['fast.runnerPair'], mentions: /1024×1024/ },
  { phase: 'fast', step: 'lightweight shape checks', items: ['fast.shapeChecks'], mentions: /shape/i },
  { phase: 'fast', step: 'mx.save / mx.load at critical points, also in the reference', items: ['fast.tensorDumps'], mentions: /mx\.save/ },
  { phase: 'fast', step: 'RNGs differ: export the exact initial noise', items: ['fast.exactNoise'], mentions: /noise|latents/ },
  {
    phase: 'order',
    step: 'export packed latents before VAE decode and decode them',
    items: ['order.vaeDecode'],
    mentions: /packed latents/,
  },
  { phase: 'order', step: 'encode → decode roundtrip', items: ['order.vaeRoundtrip'], mentions: /[Ee]ncode/ },
  { phase: 'order', step: 'small numeric diffs: judge images visually', items: ['order.vaeJudge'], mentions: /visually/ },
  {
    phase: 'order',
    step: 'transformer loop with intermediate latent checks',
    items: ['order.transformer'],
    mentions: /hidden states|latent/,
  },
  { phase: 'order', step: 'port a novel scheduler, else reuse mflux', items: ['order.scheduler'], mentions: /reuse/ },
  { phase: 'order', step: 'text encoder and tokenizer last', items: ['order.textEncoder'], mentions: /[Tt]okenizer/ },
  {
    phase: 'order',
    step: 'milestone commit after each component',
    items: ['order.milestoneVae', 'order.milestoneTransformer', 'order.milestoneTextEncoder'],
    mentions: /[Cc]ommit/,
  },
  { phase: 'order', step: 'remove loaded tensors and debug artifacts', items: ['order.removeTraces'], mentions: /debug_artifacts/ },
  { phase: 'validate', step: 'deterministic MLX test that locks the output', items: ['validate.goldenTest'], mentions: /fixed seed/ },
  {
    phase: 'validate',
    step: 'run with MFLUX_PRESERVE_TEST_OUTPUT=1 uv run',
    items: ['validate.runTest'],
    mentions: /MFLUX_PRESERVE_TEST_OUTPUT=1 uv run/,
  },
  { phase: 'validate', step: 'OOM at 1024×1024 means a porting mistake', items: ['validate.memory'], mentions: /out of memory/ },
  {
    phase: 'refactor',
    step: 'review commits after the first deterministic test',
    items: ['refactor.reviewCommits'],
    mentions: /commits|changed/,
  },
  {
    phase: 'refactor',
    step: 'consolidate shared components; prefer shared schedulers',
    items: ['refactor.sharedComponents'],
    mentions: /scheduler/,
  },
  {
    phase: 'refactor',
    step: 'remove debug paths and one-off schedulers',
    items: ['refactor.removeDebugPaths'],
    mentions: /temporary schedulers|one-off/,
  },
  { phase: 'refactor', step: 'configuration defaults into config/scheduler paths', items: ['refactor.configDefaults'], mentions: /config/ },
  { phase: 'refactor', step: 'decompose large files', items: ['refactor.splitFiles'], mentions: /separate files|Split/ },
  {
    phase: 'refactor',
    step: 'CallbackManager.register_callbacks and unpack_latents',
    items: ['refactor.callbacks'],
    mentions: /register_callbacks.*unpack_latents/s,
  },
  {
    phase: 'refactor',
    step: 'keep running the deterministic test during refactors',
    items: ['refactor.testStaysGreen'],
    mentions: /deterministic test/,
  },
  {
    phase: 'refactor',
    step: 'performance work only after correctness is locked',
    items: ['refactor.performance'],
    mentions: /mx\.compile/,
  },
  {
    phase: 'finalize',
    step: 're-run tests and basic perf checks',
    items: ['finalize.rerunTests'],
    mentions: /time one generation|make test/,
  },
  { phase: 'finalize', step: 'CLI/pipeline defaults and completions', items: ['finalize.completions'], mentions: /completions/ },
  { phase: 'finalize', step: 'ModelConfig entry + aliases', items: ['finalize.modelConfig'], mentions: /aliases/ },
  { phase: 'finalize', step: 'thin model CLI entrypoint', items: ['finalize.cliEntry'], mentions: /project\.scripts/ },
  {
    phase: 'finalize',
    step: 'README in the structure and tone of existing ones',
    items: ['finalize.modelReadme', 'finalize.mainReadme'],
    mentions: /README/,
  },
  { phase: 'finalize', step: 'Python API example matching CLI defaults', items: ['finalize.pythonExample'], mentions: /defaults/ },
  {
    phase: 'finalize',
    step: 'document mapping rules, shape constraints, tolerances',
    items: ['finalize.documentMapping'],
    mentions: /tolerance/,
  },
  // Integration surfaces from the mflux facts.
  {
    phase: 'finalize',
    step: 'defaults.py MODEL_CHOICES / MODEL_INFERENCE_STEPS',
    items: ['finalize.cliDefaults'],
    mentions: /MODEL_INFERENCE_STEPS/,
  },
  { phase: 'finalize', step: 'mflux-save routing', items: ['finalize.saveRouting'], mentions: /save\.py/ },
  { phase: 'finalize', step: 'LoRA mapping when supported', items: ['finalize.lora'], mentions: /lora_mapping/ },
  { phase: 'finalize', step: 'training adapter when supported', items: ['finalize.training'], mentions: /runner\.py/ },
  { phase: 'finalize', step: 'debug_artifacts never committed', items: ['finalize.audit'], mentions: /debug_artifacts/ },
];

test('the six phases in order with the labels the tree shows', () => {
  assert.deepEqual(WORKFLOW.map(phaseLabel), [
    '1. Scope and parity',
    '2. Port fast to reference',
    '3. Port order',
    '4. Deterministic validation',
    '5. Post-test refactor',
    '6. Finalize',
  ]);
});

test('every seed step is carried by an item of the right phase that talks about it', () => {
  for (const s of SEED_STEPS) {
    const texts = s.items.map((id) => {
      const item = findItem(id);
      assert.ok(item, `seed step "${s.step}" maps to missing item ${id}`);
      assert.equal(phaseOf(id)?.id, s.phase, `${id} should be in phase ${s.phase}`);
      return `${item!.title} ${item!.guidance}`;
    });
    assert.ok(
      texts.some((t) => s.mentions.test(t)),
      `seed step "${s.step}": none of ${s.items.join(', ')} mentions ${s.mentions}`,
    );
  }
});

test('every item carries a seed step or an integration surface (no filler)', () => {
  const mapped = new Set(SEED_STEPS.flatMap((s) => s.items));
  const unmapped = ALL_ITEMS.filter((i) => !mapped.has(i.id)).map((i) => i.id);
  // Items beyond the seed's bullets, each justified by the seed's deliverables or the facts file.
  assert.deepEqual(
    unmapped.sort(),
    ['order.endToEnd', 'order.milestoneTextEncoder', 'order.milestoneTransformer', 'validate.referenceImage']
      .filter((id) => !mapped.has(id))
      .sort(),
  );
});

test('ids are unique, stable-looking and prefixed by their phase', () => {
  const ids = ALL_ITEMS.map((i) => i.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const phase of WORKFLOW) {
    for (const item of phase.items) {
      assert.match(item.id, /^[a-z]+\.[a-zA-Z0-9]+$/);
      assert.ok(item.id.startsWith(phase.id + '.'), item.id);
      assert.ok(item.title.length > 5 && item.title.length < 80, `title length of ${item.id}`);
      assert.ok(item.guidance.length > 30, `guidance of ${item.id}`);
    }
  }
});

test('auto-check ids name registered rules; action ids follow the command naming', () => {
  const rules = new Set(BUILTIN_RULES.map((r) => r.id));
  for (const item of ALL_ITEMS) {
    if (item.autoCheck) assert.ok(rules.has(item.autoCheck), `${item.id} names unknown rule ${item.autoCheck}`);
    if (item.action) assert.match(item.action.command, /^mfluxPort\.[a-z]+[A-Za-z]*$/, item.id);
  }
  // The rules the issue asks for are wired to items.
  const used = new Set(ALL_ITEMS.map((i) => i.autoCheck).filter(Boolean));
  for (const r of ['packageLayout', 'weightDefinition', 'pyprojectScript', 'modelConfig', 'goldenTest', 'debugArtifacts'])
    assert.ok(used.has(r), r);
});
