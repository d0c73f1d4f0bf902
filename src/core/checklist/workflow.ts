// The porting workflow as phases and items: correctness first (match the reference, lock it
// with a deterministic test), then refactor to mflux style, then wire the standard surfaces.
// Item ids are stored in users' state files: never rename one; add new ids instead.

export interface WorkflowItem {
  /** Stable id, `<phase>.<item>`, stored in state files. */
  readonly id: string;
  readonly title: string;
  /** What to do and why, shown as the tooltip (Markdown). */
  readonly guidance: string;
  /** Command that helps with this item (another feature may provide it). */
  readonly action?: { readonly command: string; readonly title: string };
  /** Id of an auto-check rule (see rules.ts) that can prove this item from files. */
  readonly autoCheck?: string;
  /**
   * The auto-check proves an absence (no debug traces): a pass means "nothing wrong now", which
   * also holds before any work, so it never checks the item off. Kept here, on the item, so it
   * holds whichever rule implementation is registered under the id.
   */
  readonly autoCheckIsAbsence?: boolean;
  /** Optional items are the ones a port may legitimately skip (e.g. LoRA support). */
  readonly optional?: boolean;
  /** A milestone commit item: the commit message it suggests ("VAE done"). */
  readonly milestone?: string;
}

export interface WorkflowPhase {
  readonly id: string;
  /** 1-based position, shown in the label ("3. Port order"). */
  readonly number: number;
  readonly title: string;
  readonly summary: string;
  readonly items: readonly WorkflowItem[];
}

/** Commands that other parts of the extension provide; the tree offers them only when registered. */
const ACTION_COMMANDS = {
  createModelPackage: 'mfluxPort.createModelPackage',
  newRunnerPair: 'mfluxPort.newRunnerPair',
  insertDump: 'mfluxPort.insertDump',
  runBoth: 'mfluxPort.runBoth',
  compareRuns: 'mfluxPort.compareRuns',
  openImageDiff: 'mfluxPort.openImageDiff',
  showMappingCoverage: 'mfluxPort.showMappingCoverage',
  browseHfCache: 'mfluxPort.browseHfCache',
  commitMilestone: 'mfluxPort.commitMilestone',
  createGoldenTest: 'mfluxPort.createGoldenTest',
  runDeterministicTest: 'mfluxPort.runDeterministicTest',
  runFinalizeAudit: 'mfluxPort.runFinalizeAudit',
} as const;

const A = ACTION_COMMANDS;

/** A milestone commit item: commits what the items before it validated, with `message`. */
function milestone(id: string, message: string, guidance: string): WorkflowItem {
  return {
    id,
    title: `Milestone commit: "${message}"`,
    guidance,
    action: { command: A.commitMilestone, title: 'Commit Milestone' },
    milestone: message,
  };
}

export const WORKFLOW: readonly WorkflowPhase[] = [
  {
    id: 'scope',
    number: 1,
    title: 'Scope and parity',
    summary: 'Decide what "matches the reference" means before writing code.',
    items: [
      {
        id: 'scope.targets',
        title: 'Set parity targets: outputs, speed, memory',
        guidance:
          'Write down what must match (final image, latents, intermediate tensors) and what speed and peak memory are acceptable on the target Mac. This decides when the port is done.',
      },
      {
        id: 'scope.tolerances',
        title: 'Choose tolerances',
        guidance:
          "Start from atol=rtol=1e-5 for fp32 tensors and 1e-2 for fp16/bf16. The golden image test uses mflux's rule: elements within rtol 0.1 of the reference, failing above 15% mismatching elements. Record any looser tolerance and the reason.",
      },
      {
        id: 'scope.referenceFiles',
        title: 'Find the reference code and configs to mirror',
        guidance:
          'In the reference clone (usually `diffusers`), locate the pipeline, transformer, VAE, scheduler and text encoder files and the model configs. Note their paths here so the port mirrors them.',
      },
      {
        id: 'scope.checkpoints',
        title: 'Identify the checkpoint and cache it',
        guidance:
          'Pin the Hugging Face repo id (and revision) of the weights and make sure they are in the local Hugging Face cache, so reference runs can use HF_HUB_OFFLINE=1.',
        action: { command: A.browseHfCache, title: 'Browse Hugging Face Cache' },
      },
      {
        id: 'scope.plan',
        title: 'Draft a port plan and review it',
        guidance:
          'Write a short plan (components, order, risks such as a new scheduler or an unusual attention) and review it before implementing anything.',
      },
    ],
  },
  {
    id: 'fast',
    number: 2,
    title: 'Port fast to reference',
    summary: 'Get an explicit, simple MLX version running against the reference quickly.',
    items: [
      {
        id: 'fast.studyRecentPort',
        title: 'Study a recent port for structure and naming',
        guidance:
          'Read a recent model package (e.g. `z_image` or `flux2` for Flux 2 Klein) to copy its layout, initializer and weight-loading style, not its code.',
      },
      {
        id: 'fast.skeleton',
        title: 'Create the model package skeleton',
        guidance:
          'Create `src/mflux/models/<model>/` with the canonical folders: `cli/`, `latent_creator/`, `model/`, `variants/`, `weights/`, plus `__init__.py` and the initializer.',
        action: { command: A.createModelPackage, title: 'Create Model Package' },
        autoCheck: 'packageLayout',
      },
      {
        id: 'fast.variantInitializer',
        title: 'Add the variant class and initializer',
        guidance:
          'A variant class under `variants/txt2img/` and `<model>_initializer.py` following the standard initializer pattern. Quantization belongs in the initializer, but leave it off in early runs.',
        autoCheck: 'variantInitializer',
      },
      {
        id: 'fast.weightDefinition',
        title: 'Write the weight definition',
        guidance:
          '`weights/<model>_weight_definition.py` with a `*WeightDefinition` that lists the components mflux really loads (hf_subdir, weight files, mapping getter, layer counts) and the tokenizers.',
        autoCheck: 'weightDefinition',
      },
      {
        id: 'fast.weightMapping',
        title: 'Wire the weight mapping early',
        guidance:
          '`weights/<model>_weight_mapping.py` returning `WeightTarget` lists per component, so loading is exercised from the first run. Use `{block}`/`{layer}` placeholders for repeated blocks.',
        autoCheck: 'weightMapping',
      },
      {
        id: 'fast.mappingAgainstCache',
        title: 'Check mapping names and shapes against the cached checkpoint',
        guidance:
          'Open the real tensors in the Hugging Face cache and confirm every mapped name exists with the expected shape; a mapping that silently loads nothing looks like a numerics bug later.',
        action: { command: A.showMappingCoverage, title: 'Show Mapping Coverage' },
      },
      {
        id: 'fast.keepSimple',
        title: 'Keep the first version simple: no speed work yet',
        guidance:
          'No `mx.compile`, kernel fusion or scheduler micro-optimisations until the deterministic test passes. Explicit code is easier to compare line by line with the reference.',
      },
      {
        id: 'fast.runnerPair',
        title: 'Add the runner pair (reference script + mflux script)',
        guidance:
          'Two tiny hard-coded scripts, one in the reference repo and one in mflux, with diffusers-style defaults (1024×1024, a fixed prompt, seed and step count). Run each from its repo root with `uv run python <script>`.',
        action: { command: A.newRunnerPair, title: 'New Runner Pair' },
      },
      {
        id: 'fast.exactNoise',
        title: 'Share the exact initial noise between both sides',
        guidance:
          'PyTorch and MLX random generators differ, so equal seeds do not give equal noise. Export the initial latents from the reference, feed them back to the reference pipeline (`latents=...`) and load the same tensor in the MLX run.',
      },
      {
        id: 'fast.shapeChecks',
        title: 'Add lightweight shape checks near the code paths',
        guidance:
          'Cheap asserts on shapes at component boundaries catch layout mistakes (NCHW vs NHWC, packed latents) where they happen instead of many layers later.',
      },
      {
        id: 'fast.tensorDumps',
        title: 'Dump tensors at critical points on both sides',
        guidance:
          'Save tensors into `debug_artifacts/<run_id>/{ref,mlx}` (`np.save`/`torch.save` on the reference side, `mx.save` on the MLX side). Dump calls may be added to the reference without changing its logic.',
        action: { command: A.insertDump, title: 'Insert Dump' },
      },
    ],
  },
  {
    id: 'order',
    number: 3,
    title: 'Port order',
    summary: 'Work backwards from the image: VAE, then transformer loop and scheduler, then text encoder.',
    items: [
      {
        id: 'order.vaeDecode',
        title: 'VAE decode from exported reference latents',
        guidance:
          'Export the packed latents just before the reference VAE decode, load them in the MLX run, decode and look at the image. Pixel space is validated before anything else.',
        action: { command: A.runBoth, title: 'Run Both' },
      },
      {
        id: 'order.vaeRoundtrip',
        title: 'VAE encode → decode roundtrip',
        guidance: 'Encode an image and decode it again; a clean reconstruction is strong evidence the encoder and decoder are right.',
      },
      {
        id: 'order.vaeJudge',
        title: 'Judge the VAE by numbers and by eye',
        guidance:
          'Small numeric differences are expected. When the numbers alone do not settle it, compare the two images side by side and decide visually.',
        action: { command: A.openImageDiff, title: 'Open Image Diff' },
      },
      milestone('order.milestoneVae', 'VAE done', 'Commit the validated VAE with a clear milestone message so progress is never lost.'),
      {
        id: 'order.transformer',
        title: 'Transformer with intermediate latent checks',
        guidance:
          'Port the transformer and compare hidden states at entry and exit, then per block, then inside attention/MLP when a block diverges. Bisect by adding earlier checkpoints.',
        action: { command: A.compareRuns, title: 'Compare Runs' },
      },
      {
        id: 'order.scheduler',
        title: "Scheduler: reuse mflux's or port the new one",
        guidance:
          'If the reference uses a scheduler mflux already has (models/common/schedulers), reuse it; otherwise port it. Compare timesteps, sigmas and the prediction at each step.',
      },
      milestone('order.milestoneTransformer', 'transformer done', 'Commit once the denoising loop matches the reference step by step.'),
      {
        id: 'order.textEncoder',
        title: 'Text encoder and tokenizer',
        guidance:
          'Compare token ids, attention mask, embeddings and per-layer hidden states. Tokenizer details (padding, max length, chat templates) are a frequent source of drift.',
      },
      milestone('order.milestoneTextEncoder', 'text encoder done', 'Commit once prompt embeddings match.'),
      {
        id: 'order.endToEnd',
        title: 'Full prompt → image run matches the reference',
        guidance: 'Run the whole pipeline from the prompt with the shared initial noise and compare the final images.',
        action: { command: A.openImageDiff, title: 'Open Image Diff' },
      },
      {
        id: 'order.removeTraces',
        title: 'Remove loaded tensors and debug artifacts',
        guidance:
          'Once the full port works, remove hard-coded tensor loads and dump calls; keep `debug_artifacts/` out of git so no traces remain.',
        autoCheck: 'debugArtifacts',
        autoCheckIsAbsence: true,
      },
    ],
  },
  {
    id: 'validate',
    number: 4,
    title: 'Deterministic validation',
    summary: 'Lock correctness with a test before changing structure.',
    items: [
      {
        id: 'validate.goldenTest',
        title: 'Write the deterministic golden test',
        guidance:
          '`tests/image_generation/test_generate_image_<model>.py`: fixed seed, steps, size and prompt, compared with a reference image. This test guards every refactor that follows.',
        action: { command: A.createGoldenTest, title: 'Create Golden Test' },
        autoCheck: 'goldenTest',
      },
      {
        id: 'validate.referenceImage',
        title: 'Commit the reference image the test compares with',
        guidance: 'The PNG under `tests/resources/` that the golden test names must exist and be committed.',
        autoCheck: 'referenceImage',
      },
      {
        id: 'validate.runTest',
        title: 'Run the test and keep its output',
        guidance:
          'Run `MFLUX_PRESERVE_TEST_OUTPUT=1 uv run python -m pytest <test>` so the output PNG stays for inspection next to the reference.',
        action: { command: A.runDeterministicTest, title: 'Run Deterministic Test' },
      },
      {
        id: 'validate.memory',
        title: 'Sensible sizes run without running out of memory',
        guidance:
          'If MLX runs out of memory at 1024×1024, suspect a porting mistake (a wrong shape, a materialised attention matrix, a broadcast gone wrong) before anything else.',
      },
    ],
  },
  {
    id: 'refactor',
    number: 5,
    title: 'Post-test refactor',
    summary: 'With the test green, move toward mflux style and shared components.',
    items: [
      {
        id: 'refactor.reviewCommits',
        title: 'Review the commits since the first green test',
        guidance: 'Read what changed after the deterministic test went green to learn the refactoring preferences to apply.',
      },
      {
        id: 'refactor.sharedComponents',
        title: 'Move shared pieces into common modules',
        guidance:
          'Consolidate components that other models already have into shared modules; prefer existing shared scheduler implementations.',
      },
      {
        id: 'refactor.removeDebugPaths',
        title: 'Remove debug paths and one-off schedulers',
        guidance: 'Delete debug-only branches, dump calls and temporary schedulers that were only there for validation.',
      },
      {
        id: 'refactor.configDefaults',
        title: 'Move defaults into config and scheduler paths',
        guidance: 'Hard-coded numbers from the runner belong in the standard config and scheduler locations.',
      },
      {
        id: 'refactor.splitFiles',
        title: 'Split large files into focused modules',
        guidance: 'e.g. attention, blocks, RoPE and the transformer in separate files, as the recent ports do.',
      },
      {
        id: 'refactor.callbacks',
        title: 'Register CLI callbacks through CallbackManager',
        guidance:
          'The CLI calls `CallbackManager.register_callbacks(...)` so shared features like `--stepwise-image-output-dir` work, with a `latent_creator` that supports `unpack_latents(...)`.',
        autoCheck: 'cliCallbacks',
      },
      {
        id: 'refactor.testStaysGreen',
        title: 'Keep the golden test green after each refactor step',
        guidance: 'Re-run the deterministic test after every structural change; a refactor that changes pixels is a bug.',
        action: { command: A.runDeterministicTest, title: 'Run Deterministic Test' },
      },
      {
        id: 'refactor.performance',
        title: 'Speed work, now that correctness is locked',
        guidance: '`mx.compile` and other optimisations are welcome now, each checked against the golden test.',
        optional: true,
      },
    ],
  },
  {
    id: 'finalize',
    number: 6,
    title: 'Finalize',
    summary: 'Wire the model into every standard mflux surface and document it.',
    items: [
      {
        id: 'finalize.rerunTests',
        title: 'Re-run tests and a basic performance check',
        guidance: 'Run the fast and slow suites (`make test-fast`, `make test-slow`) and time one generation.',
        action: { command: A.runDeterministicTest, title: 'Run Deterministic Test' },
      },
      {
        id: 'finalize.modelConfig',
        title: 'ModelConfig entry with aliases',
        guidance:
          'An `AVAILABLE_MODELS` entry in `src/mflux/models/common/config/model_config.py` with aliases, the HF repo id, train steps, guidance support and sigma shift, plus a static accessor.',
        autoCheck: 'modelConfig',
      },
      {
        id: 'finalize.cliEntry',
        title: 'Thin CLI registered in pyproject.toml',
        guidance:
          '`[project.scripts]` maps `mflux-generate-<model>` to `mflux.models.<model>.cli.<model>_generate:main`; the CLI uses the shared parser, config and callbacks.',
        autoCheck: 'pyprojectScript',
      },
      {
        id: 'finalize.cliDefaults',
        title: 'CLI defaults: model choices and inference steps',
        guidance: '`MODEL_CHOICES` and `MODEL_INFERENCE_STEPS` in `src/mflux/cli/defaults/defaults.py` know the model.',
        autoCheck: 'cliDefaults',
      },
      {
        id: 'finalize.saveRouting',
        title: 'mflux-save routes to the right variant',
        guidance: '`src/mflux/models/common/cli/save.py` sends the model to its txt2img / edit / turbo class.',
        autoCheck: 'saveRouting',
      },
      {
        id: 'finalize.modelReadme',
        title: 'Model README',
        guidance:
          '`src/mflux/models/<model>/README.md` with examples, features, disk sizes and notes, in the structure and tone of the existing model READMEs.',
        autoCheck: 'modelReadme',
      },
      {
        id: 'finalize.mainReadme',
        title: 'Main README: model table row and attribution',
        guidance: 'Add the model to the table in the top-level README.md and credit the original authors.',
        autoCheck: 'mainReadme',
      },
      {
        id: 'finalize.pythonExample',
        title: 'Python API example matching the CLI defaults',
        guidance: 'An example in the README that uses the same defaults as the CLI.',
      },
      {
        id: 'finalize.documentMapping',
        title: 'Document mapping rules, shape constraints and tolerances',
        guidance: 'Write down new weight-mapping rules, size constraints (e.g. multiples of 16) and any tolerance the tests rely on.',
      },
      {
        id: 'finalize.completions',
        title: 'CLI/pipeline defaults and completions',
        guidance: 'Once the output is stable, add the remaining CLI defaults and shell completions.',
      },
      {
        id: 'finalize.lora',
        title: 'LoRA mapping and its fast test',
        guidance: '`weights/<model>_lora_mapping.py` and a fast test, when the model supports LoRA. Skip otherwise.',
        optional: true,
      },
      {
        id: 'finalize.training',
        title: 'Training adapter',
        guidance:
          'Adapter registered in `training/runner.py` with an example JSON under `models/common/training/_example/`, when training is supported. Skip otherwise.',
        optional: true,
      },
      {
        id: 'finalize.audit',
        title: 'Integration audit and clean tree',
        guidance:
          'Every surface above is wired, `debug_artifacts/` is not tracked, and no tensor files or dump calls are left in the package.',
        action: { command: A.runFinalizeAudit, title: 'Run Finalize Audit' },
        autoCheck: 'finalizeAudit',
      },
    ],
  },
];

export const ALL_ITEMS: readonly WorkflowItem[] = WORKFLOW.flatMap((p) => p.items);

const ITEM_BY_ID = new Map(ALL_ITEMS.map((i) => [i.id, i]));
const PHASE_BY_ITEM = new Map(WORKFLOW.flatMap((p) => p.items.map((i) => [i.id, p] as const)));

export function findItem(id: string): WorkflowItem | undefined {
  return ITEM_BY_ID.get(id);
}

export function phaseOf(itemId: string): WorkflowPhase | undefined {
  return PHASE_BY_ITEM.get(itemId);
}

export function findPhase(id: string): WorkflowPhase | undefined {
  return WORKFLOW.find((p) => p.id === id);
}

/** "3. Port order" — the label the tree shows. */
export function phaseLabel(phase: WorkflowPhase): string {
  return `${phase.number}. ${phase.title}`;
}
