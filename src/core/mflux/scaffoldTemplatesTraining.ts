// The training adapter of a new model, generated from the mflux checkout's own TrainingAdapter
// protocol (src/mflux/models/common/training/adapters/base.py): every method the protocol
// declares, with its exact signature and the imports its annotations need, subclassing the
// protocol as mflux's adapters do. Methods mflux's adapters implement alike (z_image,
// ernie_image) get that body; model-specific ones and methods new to the protocol raise
// NotImplementedError naming themselves.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mod, type TemplateContext } from './scaffoldContext';
import { defLine, parseClasses, parseImports, type PyDef, type PyImport } from './pySignature';

export const TRAINING_PROTOCOL_PATH = 'src/mflux/models/common/training/adapters/base.py';

export interface TrainingProtocol {
  readonly rel: string;
  readonly module: string;
  readonly cls: string;
  readonly methods: readonly PyDef[];
  readonly imports: readonly PyImport[];
}

/** Reads `class TrainingAdapter(Protocol)` from the checkout; a missing or changed file is one error naming it. */
export function readTrainingProtocol(mfluxRoot: string): TrainingProtocol {
  const rel = TRAINING_PROTOCOL_PATH;
  let text: string;
  try {
    text = readFileSync(join(mfluxRoot, ...rel.split('/')), 'utf8');
  } catch {
    throw new Error(`${rel}: not found; a training adapter is generated from mflux's TrainingAdapter protocol in that file`);
  }
  const cls = parseClasses(text).find((c) => c.name === 'TrainingAdapter');
  if (!cls || !cls.methods.length) throw new Error(`${rel}: no TrainingAdapter class with methods to implement`);
  return {
    rel,
    module: rel
      .replace(/^src\//, '')
      .replace(/\.py$/, '')
      .split('/')
      .join('.'),
    cls: cls.name,
    methods: cls.methods,
    imports: parseImports(text),
  };
}

/** Bodies for the methods mflux's adapters implement the same way; `{A}` is the adapter class, `{M}` the wrapped model. */
function body(c: TemplateContext, name: string): { lines: string[]; uses: string[] } | undefined {
  const { cls, pkg } = c.n;
  const m = 'self._model';
  const lora = (role: string, scale: string) => [
    '        LoRALoader.load_and_apply_lora(',
    `            lora_mapping=${cls}LoRAMapping.get_mapping(),`,
    `            transformer=${m}.transformer,`,
    '            lora_paths=[str(path)],',
    `            lora_scales=[${scale}],`,
    `            role="${role}",`,
    '        )',
  ];
  switch (name) {
    case 'model':
      return { lines: [`        return ${m}`], uses: [] };
    case 'transformer':
      return { lines: [`        return ${m}.transformer`], uses: [] };
    case 'create_config':
      return {
        lines: [
          '        self._guidance = training_spec.guidance',
          '        return Config(',
          '            model_config=self._model_config,',
          '            num_inference_steps=training_spec.steps,',
          '            width=width,',
          '            height=height,',
          '            guidance=training_spec.guidance,',
          '        )',
        ],
        uses: ['Config'],
      };
    case 'freeze_base':
      return { lines: [`        ${m}.vae.freeze()`, `        ${m}.transformer.freeze()`, `        ${m}.text_encoder.freeze()`], uses: [] };
    case 'encode_data':
      return {
        lines: [
          '        # input_image_path is the conditioning image of edit training; txt2img ignores it.',
          `        encoded = LatentCreator.encode_image(vae=${m}.vae, image_path=image_path, height=height, width=width)`,
          `        clean_latents = ${cls}LatentCreator.pack_latents(encoded, height=height, width=width)`,
          `        prompt_embeds = ${cls}PromptEncoder.encode_prompt(`,
          '            prompt=prompt,',
          `            tokenizer=${m}.tokenizers["${pkg}"],`,
          `            text_encoder=${m}.text_encoder,`,
          '        )',
          '        mx.eval(clean_latents, prompt_embeds)',
          '        return clean_latents, prompt_embeds',
        ],
        uses: ['LatentCreator', `${cls}LatentCreator`, `${cls}PromptEncoder`, 'mx'],
      };
    case 'generate_preview_image':
      return {
        lines: [
          '        # Samples without the assistant adapter, as inference sees the model.',
          `        with TrainingUtil.assistant_disabled(${m}.transformer):`,
          `            return ${m}.generate_image(`,
          '                seed=seed,',
          '                prompt=prompt,',
          '                num_inference_steps=steps,',
          '                height=height,',
          '                width=width,',
          '                guidance=self._guidance,',
          '            )',
        ],
        uses: ['TrainingUtil'],
      };
    case 'save_lora_adapter':
      return {
        lines: [
          '        # Saved under the names the LoRA mapping loads, so the file loads with --lora-paths.',
          '        weights: dict[str, mx.array] = {}',
          '        for target in training_spec.lora_layers.targets:',
          '            blocks = target.blocks.get_blocks() if target.blocks is not None else [None]',
          '            for block in blocks:',
          '                module_path = target.module_path if block is None else target.module_path.format(block=block)',
          `                train_lora = TrainingUtil.get_train_lora(${m}.transformer, module_path)`,
          '                weights[f"transformer.{module_path}.lora_A.weight"] = mx.transpose(train_lora.lora_A)',
          '                weights[f"transformer.{module_path}.lora_B.weight"] = mx.transpose(train_lora.lora_B)',
          '        mx.save_safetensors(',
          '            str(path),',
          '            weights,',
          '            metadata={"mflux_version": VersionUtil.get_mflux_version(), "model": training_spec.model},',
          '        )',
        ],
        uses: ['mx', 'TrainingUtil', 'VersionUtil'],
      };
    case 'load_lora_adapter':
      return { lines: lora('train', '1.0'), uses: ['LoRALoader', `${cls}LoRAMapping`] };
    case 'load_training_adapter':
      return { lines: lora('assistant', 'float(scale)'), uses: ['LoRALoader', `${cls}LoRAMapping`] };
    default:
      return undefined;
  }
}

const STDLIB = new Set(['__future__', 'pathlib', 'typing', 'os', 'json', 'dataclasses', 'collections', 'functools']);

function importBlock(statements: readonly PyImport[]): string[] {
  const group = (i: PyImport) =>
    i.module === '__future__' ? 0 : STDLIB.has(i.module.split('.')[0]) ? 1 : i.module.startsWith('mflux') ? 3 : 2;
  const byGroup = new Map<number, PyImport[]>();
  for (const i of statements) byGroup.set(group(i), [...(byGroup.get(group(i)) ?? []), i]);
  const out: string[] = [];
  for (const g of [0, 1, 2, 3]) {
    const items = byGroup.get(g);
    if (!items) continue;
    // isort's order: `import x` lines first, then `from x import` lines, each by module; names merged per module.
    const plain = items.filter((i) => i.statement.startsWith('import ')).map((i) => i.statement);
    const froms = new Map<string, string[]>();
    for (const i of items.filter((x) => x.statement.startsWith('from ')))
      froms.set(i.module, [...(froms.get(i.module) ?? []), i.statement.replace(/^from \S+ import /, '')]);
    if (out.length) out.push('');
    out.push(...[...new Set(plain)].sort());
    for (const modName of [...froms.keys()].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())))
      out.push(`from ${modName} import ${[...new Set(froms.get(modName))].sort((a, b) => a.localeCompare(b)).join(', ')}`);
  }
  return out;
}

/** The def line, wrapped one parameter per line when longer than mflux's 120 columns. */
function signature(d: PyDef): string[] {
  const one = defLine(d, '    ');
  if (one.length <= 120) return [one];
  const inner = one.slice(one.indexOf('(') + 1, one.lastIndexOf(')'));
  const tail = one.slice(one.lastIndexOf(')'));
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of inner) {
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur.trim());
  return [`    def ${d.name}(`, ...parts.map((p) => `        ${p},`), `    ${tail}`];
}

export function trainingAdapter(c: TemplateContext, protocol: TrainingProtocol): string {
  const { cls, pkg } = c.n;
  const own: PyImport[] = [
    { name: 'Config', module: 'mflux.models.common.config.config', statement: 'from mflux.models.common.config.config import Config' },
    {
      name: 'ModelConfig',
      module: 'mflux.models.common.config.model_config',
      statement: 'from mflux.models.common.config.model_config import ModelConfig',
    },
    {
      name: 'LatentCreator',
      module: 'mflux.models.common.latent_creator.latent_creator',
      statement: 'from mflux.models.common.latent_creator.latent_creator import LatentCreator',
    },
    {
      name: 'LoRALoader',
      module: 'mflux.models.common.lora.mapping.lora_loader',
      statement: 'from mflux.models.common.lora.mapping.lora_loader import LoRALoader',
    },
    {
      name: 'TrainingUtil',
      module: 'mflux.models.common.training.utils',
      statement: 'from mflux.models.common.training.utils import TrainingUtil',
    },
    { name: 'VersionUtil', module: 'mflux.utils.version_util', statement: 'from mflux.utils.version_util import VersionUtil' },
    { name: 'mx', module: 'mlx.core', statement: 'import mlx.core as mx' },
    { name: protocol.cls, module: protocol.module, statement: `from ${protocol.module} import ${protocol.cls}` },
    ...(
      [
        [`${cls}LatentCreator`, `latent_creator.${pkg}_latent_creator`],
        [`${cls}PromptEncoder`, `model.${pkg}_text_encoder.prompt_encoder`],
        [cls, `variants.txt2img.${pkg}`],
        [`${cls}LoRAMapping`, `weights.${pkg}_lora_mapping`],
      ] as const
    ).map(([name, sub]) => ({ name, module: mod(c, sub), statement: `from ${mod(c, sub)} import ${name}` })),
  ];
  const methods: string[] = [];
  const used = new Set<string>([protocol.cls, 'ModelConfig', cls]);
  for (const d of protocol.methods) {
    const b = body(c, d.name) ?? {
      lines: [`        raise NotImplementedError("${cls}TrainingAdapter.${d.name}: implement it for ${cls}")`],
      uses: [],
    };
    if (d.name === 'predict_noise')
      b.lines = [
        "        # One transformer call of generate_image's denoising loop; cond is what encode_data returned.",
        `        raise NotImplementedError("${cls}TrainingAdapter.predict_noise: call the transformer as generate_image does")`,
      ];
    b.uses.forEach((u) => used.add(u));
    const sig = signature(d);
    for (const i of protocol.imports) if (new RegExp(`\\b${i.name}\\b`).test(sig.join('\n'))) used.add(i.name);
    methods.push('', ...sig, ...b.lines);
  }
  // The protocol's own import of a name wins: its annotations resolve the same way here.
  const table = new Map<string, PyImport>();
  for (const i of own) table.set(i.name, i);
  for (const i of protocol.imports) table.set(i.name, i);
  const future = protocol.imports.filter((i) => i.module === '__future__');
  const statements = [...future, ...[...used].map((u) => table.get(u)).filter((i): i is PyImport => !!i)];
  return [
    ...importBlock(statements),
    '',
    '',
    `class ${cls}TrainingAdapter(${protocol.cls}):`,
    `    # Implements ${protocol.cls} of ${protocol.rel.replace(/^src\//, '')} as this checkout`,
    '    # declares it. Register it in mflux/models/common/training/runner.py beside the others.',
    '    def __init__(self, *, model_config: ModelConfig, quantize: int | None, model_path: str | None = None):',
    '        self._model_config = model_config',
    `        self._model = ${cls}(quantize=quantize, model_config=model_config, model_path=model_path)`,
    '        self._guidance: float | None = None',
    ...methods,
    '',
  ].join('\n');
}
