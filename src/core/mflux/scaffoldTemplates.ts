// Text of the Python stubs a new model package starts from. Each stub compiles, imports
// only what it uses, and follows the shapes recent mflux ports use (initializer + variant
// class, WeightTarget mappings, a latent creator with pack/unpack, a thin CLI).
import type { ModelNames } from './naming';

export interface TemplateContext {
  readonly n: ModelNames;
  readonly hfRepo: string;
  readonly edit: boolean;
  readonly lora: boolean;
  readonly training: boolean;
  /** Set when the VAE of another package is reused instead of porting one. */
  readonly vae: VaeSource;
}

export interface VaeSource {
  /** Python module that defines the VAE class. */
  readonly module: string;
  readonly cls: string;
  /** Package the VAE comes from (this model's own package when not reused). */
  readonly fromPkg: string;
  /** `Other.get_vae_mapping` when the other package's mapping provides one. */
  readonly mappingGetter?: { readonly module: string; readonly cls: string };
}

const mod = (c: TemplateContext, rest: string) => `mflux.models.${c.n.pkg}.${rest}`;
const reused = (c: TemplateContext) => c.vae.fromPkg !== c.n.pkg;

export function packageInit(c: TemplateContext): string {
  const { cls } = c.n;
  const names = [cls, ...(c.edit ? [`${cls}Edit`] : []), `${cls}Initializer`];
  return [
    `from ${mod(c, `${c.n.pkg}_initializer`)} import ${cls}Initializer`,
    `from ${mod(c, 'variants')} import ${[cls, ...(c.edit ? [`${cls}Edit`] : [])].join(', ')}`,
    '',
    `__all__ = [${names.map((x) => `"${x}"`).join(', ')}]`,
    '',
  ].join('\n');
}

export function variantsInit(c: TemplateContext): string {
  const { cls } = c.n;
  const lines = [`from ${mod(c, 'variants.txt2img')} import ${cls}`];
  if (c.edit) lines.push(`from ${mod(c, 'variants.edit')} import ${cls}Edit`);
  const all = [cls, ...(c.edit ? [`${cls}Edit`] : [])];
  return [...lines, '', `__all__ = [${all.map((x) => `"${x}"`).join(', ')}]`, ''].join('\n');
}

export function txt2imgInit(c: TemplateContext): string {
  return `from ${mod(c, `variants.txt2img.${c.n.pkg}`)} import ${c.n.cls}\n\n__all__ = ["${c.n.cls}"]\n`;
}

export function editInit(c: TemplateContext): string {
  return `from ${mod(c, `variants.edit.${c.n.pkg}_edit`)} import ${c.n.cls}Edit\n\n__all__ = ["${c.n.cls}Edit"]\n`;
}

export function initializer(c: TemplateContext): string {
  const { cls, pkg } = c.n;
  const lines = [
    'import mlx.core as mx',
    '',
    'from mflux.callbacks.callback_registry import CallbackRegistry',
    'from mflux.models.common.config import ModelConfig',
  ];
  if (c.lora) lines.push('from mflux.models.common.lora.mapping.lora_loader import LoRALoader');
  lines.push(
    'from mflux.models.common.tokenizer import TokenizerLoader',
    'from mflux.models.common.weights.loading.loaded_weights import LoadedWeights',
    'from mflux.models.common.weights.loading.weight_applier import WeightApplier',
    'from mflux.models.common.weights.loading.weight_loader import WeightLoader',
    `from ${mod(c, `model.${pkg}_text_encoder.text_encoder`)} import ${cls}TextEncoder`,
    `from ${mod(c, `model.${pkg}_transformer.transformer`)} import ${cls}Transformer`,
  );
  if (c.lora) lines.push(`from ${mod(c, `weights.${pkg}_lora_mapping`)} import ${cls}LoRAMapping`);
  lines.push(`from ${mod(c, `weights.${pkg}_weight_definition`)} import ${cls}WeightDefinition`);
  lines.push(`from ${c.vae.module} import ${c.vae.cls}`);
  lines.push(
    '',
    '',
    `class ${cls}Initializer:`,
    '    @staticmethod',
    '    def init(',
    '        model,',
    '        model_config: ModelConfig,',
    '        quantize: int | None,',
    '        model_path: str | None = None,',
    '        lora_paths: list[str] | None = None,',
    '        lora_scales: list[float] | None = None,',
    '    ) -> None:',
    '        path = model_path if model_path else model_config.model_name',
    `        ${cls}Initializer._init_config(model, model_config)`,
    `        weights = ${cls}Initializer._load_weights(path)`,
    `        ${cls}Initializer._init_tokenizers(model, path)`,
    `        ${cls}Initializer._init_models(model, model_config)`,
    '        # Quantization is wired from the start but best left off (quantize=None) until parity holds.',
    `        ${cls}Initializer._apply_weights(model, weights, quantize)`,
  );
  if (c.lora) lines.push(`        ${cls}Initializer._apply_lora(model, lora_paths, lora_scales)`);
  else lines.push('        model.lora_paths, model.lora_scales = lora_paths, lora_scales');
  lines.push(
    '        del weights',
    '        mx.eval(model)',
    '        mx.clear_cache()',
    '',
    '    @staticmethod',
    '    def _init_config(model, model_config: ModelConfig) -> None:',
    '        model.prompt_cache = {}',
    '        model.model_config = model_config',
    '        model.callbacks = CallbackRegistry()',
    '        model.tiling_config = None',
    '        model.lora_paths = None',
    '        model.lora_scales = None',
    '',
    '    @staticmethod',
    '    def _load_weights(model_path: str) -> LoadedWeights:',
    `        return WeightLoader.load(weight_definition=${cls}WeightDefinition, model_path=model_path)`,
    '',
    '    @staticmethod',
    '    def _init_tokenizers(model, model_path: str) -> None:',
    '        model.tokenizers = TokenizerLoader.load_all(',
    `            definitions=${cls}WeightDefinition.get_tokenizers(),`,
    '            model_path=model_path,',
    '        )',
    '',
    '    @staticmethod',
    '    def _init_models(model, model_config: ModelConfig) -> None:',
    reused(c)
      ? `        # The VAE is reused from ${c.vae.fromPkg}; see README.md.`
      : '        # Port order: VAE first, then the transformer, then the text encoder.',
    `        model.vae = ${c.vae.cls}()`,
    `        model.transformer = ${cls}Transformer(**(model_config.transformer_overrides or {}))`,
    `        model.text_encoder = ${cls}TextEncoder()`,
    '',
    '    @staticmethod',
    '    def _apply_weights(model, weights: LoadedWeights, quantize: int | None) -> None:',
    '        model.bits = WeightApplier.apply_and_quantize(',
    '            weights=weights,',
    '            quantize_arg=quantize,',
    `            weight_definition=${cls}WeightDefinition,`,
    '            models={',
    '                "vae": model.vae,',
    '                "transformer": model.transformer,',
    '                "text_encoder": model.text_encoder,',
    '            },',
    '        )',
  );
  if (c.lora) {
    lines.push(
      '',
      '    @staticmethod',
      '    def _apply_lora(model, lora_paths: list[str] | None, lora_scales: list[float] | None) -> None:',
      '        model.lora_paths, model.lora_scales = LoRALoader.load_and_apply_lora(',
      `            lora_mapping=${cls}LoRAMapping.get_mapping(),`,
      '            transformer=model.transformer,',
      '            lora_paths=lora_paths,',
      '            lora_scales=lora_scales,',
      '        )',
    );
  }
  return lines.join('\n') + '\n';
}

function variantClass(c: TemplateContext, edit: boolean): string {
  const { cls, pkg } = c.n;
  const name = edit ? `${cls}Edit` : cls;
  const accessor = edit ? `${pkg}_edit` : pkg;
  const imageArgs = edit ? ['        image_paths: list[Path | str],'] : [];
  return [
    ...(edit ? ['from pathlib import Path', ''] : []),
    'import mlx.core as mx',
    'from mlx import nn',
    '',
    'from mflux.models.common.config import ModelConfig',
    'from mflux.models.common.config.config import Config',
    'from mflux.models.common.weights.saving.model_saver import ModelSaver',
    `from ${mod(c, `${pkg}_initializer`)} import ${cls}Initializer`,
    `from ${mod(c, `latent_creator.${pkg}_latent_creator`)} import ${cls}LatentCreator`,
    `from ${mod(c, `model.${pkg}_text_encoder.text_encoder`)} import ${cls}TextEncoder`,
    `from ${mod(c, `model.${pkg}_transformer.transformer`)} import ${cls}Transformer`,
    `from ${mod(c, `weights.${pkg}_weight_definition`)} import ${cls}WeightDefinition`,
    `from ${c.vae.module} import ${c.vae.cls}`,
    'from mflux.utils.generated_image import GeneratedImage',
    '',
    '',
    `class ${name}(nn.Module):`,
    `    vae: ${c.vae.cls}`,
    `    transformer: ${cls}Transformer`,
    `    text_encoder: ${cls}TextEncoder`,
    '',
    '    def __init__(',
    '        self,',
    '        quantize: int | None = None,',
    '        model_path: str | None = None,',
    '        model_config: ModelConfig | None = None,',
    '        lora_paths: list[str] | None = None,',
    '        lora_scales: list[float] | None = None,',
    '    ):',
    '        super().__init__()',
    `        ${cls}Initializer.init(`,
    '            model=self,',
    `            # Add ModelConfig.${accessor}() to model_config.py during the finalize step.`,
    `            model_config=model_config or ModelConfig.${accessor}(),`,
    '            quantize=quantize,',
    '            model_path=model_path,',
    '            lora_paths=lora_paths,',
    '            lora_scales=lora_scales,',
    '        )',
    '',
    '    def generate_image(',
    '        self,',
    '        seed: int,',
    '        prompt: str,',
    ...imageArgs,
    '        num_inference_steps: int = 4,',
    '        height: int = 1024,',
    '        width: int = 1024,',
    '        guidance: float = 4.0,',
    '    ) -> GeneratedImage:',
    '        config = Config(',
    '            model_config=self.model_config,',
    '            num_inference_steps=num_inference_steps,',
    '            height=height,',
    '            width=width,',
    '            guidance=guidance,',
    '        )',
    `        latents = ${cls}LatentCreator.create_noise(seed=seed, height=config.height, width=config.width)`,
    `        latents = ${cls}LatentCreator.pack_latents(latents, height=config.height, width=config.width)`,
    '        mx.eval(latents)',
    '        # Mirror the reference pipeline here: encode the prompt, run the denoising loop with',
    '        # self.callbacks (so --stepwise-image-output-dir works), unpack and decode with self.vae.',
    `        raise NotImplementedError("${name}.generate_image: port the reference pipeline step by step")`,
    '',
    '    def save_model(self, base_path: str) -> None:',
    '        ModelSaver.save_model(',
    '            model=self,',
    '            bits=self.bits,',
    '            base_path=base_path,',
    `            weight_definition=${cls}WeightDefinition,`,
    '        )',
    '',
  ].join('\n');
}

export const txt2imgVariant = (c: TemplateContext) => variantClass(c, false);
export const editVariant = (c: TemplateContext) => variantClass(c, true);

export function moduleStub(className: string, role: string): string {
  return [
    'import mlx.core as mx',
    'from mlx import nn',
    '',
    '',
    `class ${className}(nn.Module):`,
    `    """${role}. Mirror the reference module's structure and attribute names so the`,
    '    weight mapping stays a plain rename."""',
    '',
    '    def __init__(self, **overrides):',
    '        super().__init__()',
    '        self.overrides = overrides',
    '',
    '    def __call__(self, *args, **kwargs) -> mx.array:',
    `        raise NotImplementedError("${className} is not ported yet")`,
    '',
  ].join('\n');
}

export function weightDefinition(c: TemplateContext): string {
  const { cls, pkg } = c.n;
  const vaeGetter = c.vae.mappingGetter ? `${c.vae.mappingGetter.cls}.get_vae_mapping` : `${cls}WeightMapping.get_vae_mapping`;
  const imports = [
    'from typing import List',
    '',
    'from mflux.models.common.config.model_config import ModelConfig',
    'from mflux.models.common.tokenizer import LanguageTokenizer',
    'from mflux.models.common.weights.loading.weight_definition import ComponentDefinition, TokenizerDefinition',
  ];
  if (c.vae.mappingGetter) imports.push(`from ${c.vae.mappingGetter.module} import ${c.vae.mappingGetter.cls}`);
  imports.push(`from ${mod(c, `weights.${pkg}_weight_mapping`)} import ${cls}WeightMapping`);
  return [
    ...imports,
    '',
    '',
    `class ${cls}WeightDefinition:`,
    '    # List only what mflux really loads; every subdir here is downloaded by get_download_patterns().',
    '    @staticmethod',
    '    def get_components() -> List[ComponentDefinition]:',
    '        return [',
    '            ComponentDefinition(',
    '                name="vae",',
    '                hf_subdir="vae",',
    '                precision=ModelConfig.precision,',
    `                mapping_getter=${vaeGetter},`,
    '            ),',
    '            ComponentDefinition(',
    '                name="transformer",',
    '                hf_subdir="transformer",',
    '                num_blocks=None,  # set to the number of transformer blocks in the checkpoint',
    '                precision=ModelConfig.precision,',
    `                mapping_getter=${cls}WeightMapping.get_transformer_mapping,`,
    '            ),',
    '            ComponentDefinition(',
    '                name="text_encoder",',
    '                hf_subdir="text_encoder",',
    '                num_layers=None,  # set to the number of text encoder layers',
    '                precision=ModelConfig.precision,',
    `                mapping_getter=${cls}WeightMapping.get_text_encoder_mapping,`,
    '            ),',
    '        ]',
    '',
    '    @staticmethod',
    '    def get_tokenizers() -> List[TokenizerDefinition]:',
    '        return [',
    '            TokenizerDefinition(',
    `                name="${pkg}",`,
    '                hf_subdir="tokenizer",',
    '                tokenizer_class="AutoTokenizer",',
    '                encoder_class=LanguageTokenizer,',
    '                max_length=512,',
    '                download_patterns=["tokenizer/*"],',
    '            ),',
    '        ]',
    '',
    '    @staticmethod',
    '    def get_download_patterns() -> List[str]:',
    '        return [',
    '            "vae/*.safetensors",',
    '            "vae/*.json",',
    '            "transformer/*.safetensors",',
    '            "transformer/*.json",',
    '            "text_encoder/*.safetensors",',
    '            "text_encoder/*.json",',
    '            "tokenizer/*",',
    '        ]',
    '',
    '    @staticmethod',
    '    def quantization_predicate(path: str, module) -> bool:',
    '        return hasattr(module, "to_quantized")',
    '',
  ].join('\n');
}

export function weightMapping(c: TemplateContext): string {
  const { cls } = c.n;
  const getter = (name: string, hint: string) => [
    '    @staticmethod',
    `    def get_${name}_mapping() -> list[WeightTarget]:`,
    `        # ${hint}`,
    '        return []',
    '',
  ];
  return [
    'from mflux.models.common.weights.mapping.weight_mapping import WeightMapping, WeightTarget',
    '',
    '',
    `class ${cls}WeightMapping(WeightMapping):`,
    '    # One WeightTarget per MLX parameter: to_pattern is the MLX path, from_pattern the checkpoint',
    '    # key(s); {block} and {layer} expand over repeated blocks. Check names and shapes against the',
    '    # Hugging Face cache, then run "mflux Port: Show Mapping Coverage".',
    ...getter(
      'transformer',
      'e.g. WeightTarget(to_pattern="blocks.{block}.attn.wq.weight", from_pattern=["transformer_blocks.{block}.attn.to_q.weight"])',
    ),
    ...getter(
      'text_encoder',
      'e.g. WeightTarget(to_pattern="layers.{layer}.self_attn.q_proj.weight", from_pattern=["model.layers.{layer}.self_attn.q_proj.weight"])',
    ),
    ...(reused(c) && c.vae.mappingGetter
      ? []
      : getter('vae', 'convolution weights need transform=WeightTransforms.transpose_conv2d_weight (MLX is channels-last)')),
  ]
    .join('\n')
    .replace(/\n+$/, '\n');
}

export function loraMapping(c: TemplateContext): string {
  const { cls } = c.n;
  return [
    'from mflux.models.common.lora.mapping.lora_mapping import LoRAMapping, LoRATarget',
    '',
    '',
    `class ${cls}LoRAMapping(LoRAMapping):`,
    '    @staticmethod',
    '    def get_mapping() -> list[LoRATarget]:',
    '        # One LoRATarget per adapted linear layer of the transformer, with the names common',
    '        # LoRA exports use (diffusers and the original checkpoint) as aliases.',
    '        return []',
    '',
  ].join('\n');
}

export function trainingAdapter(c: TemplateContext): string {
  const { cls, pkg } = c.n;
  return [
    'from pathlib import Path',
    'from typing import Any',
    '',
    'import mlx.core as mx',
    '',
    'from mflux.models.common.config.config import Config',
    'from mflux.models.common.config.model_config import ModelConfig',
    `from ${mod(c, `variants.txt2img.${pkg}`)} import ${cls}`,
    '',
    '',
    `class ${cls}TrainingAdapter:`,
    '    def __init__(self, *, model_config: ModelConfig, quantize: int | None, model_path: str | None = None):',
    `        self.model = ${cls}(model_config=model_config, quantize=quantize, model_path=model_path)`,
    '',
    '    def encode_data(self, *, data_id: int, image_path: Path, prompt: str, width: int, height: int) -> tuple[mx.array, Any]:',
    `        raise NotImplementedError("${cls}TrainingAdapter.encode_data")`,
    '',
    '    def predict_noise(self, *, t: int, latents_t: mx.array, sigmas: mx.array, cond: Any, config: Config) -> mx.array:',
    `        raise NotImplementedError("${cls}TrainingAdapter.predict_noise")`,
    '',
  ].join('\n');
}

export function latentCreator(c: TemplateContext): string {
  const { cls } = c.n;
  return [
    'import mlx.core as mx',
    '',
    '',
    `class ${cls}LatentCreator:`,
    '    # Defaults follow the common DiT layout: a VAE with 16 latent channels and 8x downsampling,',
    '    # packed as 2x2 patches into a token sequence. Change them to match the reference pipeline.',
    '    latent_channels = 16',
    '    vae_scale_factor = 8',
    '',
    '    @staticmethod',
    '    def create_noise(seed: int, height: int, width: int) -> mx.array:',
    `        f = ${cls}LatentCreator.vae_scale_factor`,
    '        return mx.random.normal(',
    `            shape=(1, ${cls}LatentCreator.latent_channels, height // f, width // f),`,
    '            key=mx.random.key(seed),',
    '        )',
    '',
    '    @staticmethod',
    '    def pack_latents(latents: mx.array, height: int, width: int) -> mx.array:',
    '        # (1, C, H, W) -> (1, H/2 * W/2, C * 4)',
    `        f = ${cls}LatentCreator.vae_scale_factor`,
    '        c = latents.shape[1]',
    '        h, w = height // (f * 2), width // (f * 2)',
    '        latents = latents.reshape(1, c, h, 2, w, 2)',
    '        latents = latents.transpose(0, 2, 4, 1, 3, 5)',
    '        return latents.reshape(1, h * w, c * 4)',
    '',
    '    @staticmethod',
    '    def unpack_latents(latents: mx.array, height: int, width: int) -> mx.array:',
    '        # (1, H/2 * W/2, C * 4) -> (1, C, H, W); the exact inverse of pack_latents',
    `        f = ${cls}LatentCreator.vae_scale_factor`,
    '        h, w = height // (f * 2), width // (f * 2)',
    '        c = latents.shape[-1] // 4',
    '        latents = latents.reshape(1, h, w, c, 2, 2)',
    '        latents = latents.transpose(0, 3, 1, 4, 2, 5)',
    '        return latents.reshape(1, c, h * 2, w * 2)',
    '',
  ].join('\n');
}

export function latentCreatorInit(c: TemplateContext): string {
  return `from ${mod(c, `latent_creator.${c.n.pkg}_latent_creator`)} import ${c.n.cls}LatentCreator\n\n__all__ = ["${c.n.cls}LatentCreator"]\n`;
}

function cli(c: TemplateContext, edit: boolean): string {
  const { cls, pkg } = c.n;
  const name = edit ? `${cls}Edit` : cls;
  const accessor = edit ? `${pkg}_edit` : pkg;
  const variantModule = edit ? `variants.edit.${pkg}_edit` : `variants.txt2img.${pkg}`;
  return [
    'from mflux.callbacks.callback_manager import CallbackManager',
    'from mflux.cli.parser.parsers import CommandLineParser',
    'from mflux.models.common.config import ModelConfig',
    `from ${mod(c, 'latent_creator')} import ${cls}LatentCreator`,
    `from ${mod(c, variantModule)} import ${name}`,
    'from mflux.utils.exceptions import PromptFileReadError, StopImageGenerationException',
    'from mflux.utils.prompt_util import PromptUtil',
    '',
    '',
    'def main():',
    '    # 0. Parse command line arguments',
    `    parser = CommandLineParser(description="Generate an image using ${c.n.hyphen}${edit ? ' (edit)' : ''} based on a prompt.")`,
    '    parser.add_general_arguments()',
    '    parser.add_model_arguments(require_model_arg=False)',
    ...(c.lora ? ['    parser.add_lora_arguments()'] : []),
    '    parser.add_image_generator_arguments(supports_metadata_config=True)',
    ...(edit ? ['    parser.add_image_to_image_arguments(required=True)'] : []),
    '    parser.add_output_arguments()',
    '    args = parser.parse_args()',
    '',
    '    # 1. Load the model',
    `    model = ${name}(`,
    `        model_config=ModelConfig.${accessor}(),`,
    '        quantize=args.quantize,',
    '        model_path=args.model_path,',
    ...(c.lora ? ['        lora_paths=args.lora_paths,', '        lora_scales=args.lora_scales,'] : []),
    '    )',
    '',
    '    # 2. Register callbacks (stepwise image output, memory stats, battery saver)',
    '    memory_saver = CallbackManager.register_callbacks(',
    '        args=args,',
    '        model=model,',
    `        latent_creator=${cls}LatentCreator,`,
    '    )',
    '',
    '    try:',
    '        for seed in args.seed:',
    '            # 3. Generate an image for each seed value',
    '            image = model.generate_image(',
    '                seed=seed,',
    '                prompt=PromptUtil.read_prompt(args),',
    ...(edit ? ['                image_paths=[args.image_path],'] : []),
    '                num_inference_steps=args.steps,',
    '                height=args.height,',
    '                width=args.width,',
    '                guidance=args.guidance,',
    '            )',
    '            # 4. Save the image',
    '            image.save(path=args.output.format(seed=seed), export_json_metadata=args.metadata)',
    '    except (StopImageGenerationException, PromptFileReadError) as exc:',
    '        print(exc)',
    '    finally:',
    '        if memory_saver:',
    '            print(memory_saver.memory_stats())',
    '',
    '',
    'if __name__ == "__main__":',
    '    main()',
    '',
  ].join('\n');
}

export const generateCli = (c: TemplateContext) => cli(c, false);
export const editCli = (c: TemplateContext) => cli(c, true);

export function modelReadme(c: TemplateContext): string {
  const { n } = c;
  return [
    `# ${n.cls}`,
    '',
    `MLX port of [${c.hfRepo}](https://huggingface.co/${c.hfRepo}).`,
    '',
    '## Example',
    '',
    '```sh',
    `${n.script} \\`,
    '  --prompt "A photo of a red fox in fresh snow" \\',
    '  --steps 4 \\',
    '  --seed 42 \\',
    '  --quantize 8',
    '```',
    '',
    '### Python API',
    '',
    '```python',
    `from mflux.models.${n.pkg} import ${n.cls}`,
    '',
    `model = ${n.cls}(quantize=8)`,
    'image = model.generate_image(seed=42, prompt="A photo of a red fox in fresh snow", num_inference_steps=4)',
    'image.save("fox.png")',
    '```',
    '',
    ...(c.edit ? ['## Editing', '', `\`${n.script}-edit --image-path input.png --prompt "..."\``, ''] : []),
    '## Features',
    '',
    `- Aliases: ${n.aliases.map((a) => `\`${a}\``).join(', ')}`,
    `- LoRA: ${c.lora ? 'supported' : 'not yet'}`,
    `- Training: ${c.training ? 'supported' : 'not yet'}`,
    '',
    '## Disk size',
    '',
    '| precision | size |',
    '| --- | --- |',
    '| bf16 | TODO |',
    '| 8-bit | TODO |',
    '| 4-bit | TODO |',
    '',
    '## Notes',
    '',
    ...(reused(c) ? [`- The VAE is shared with \`${c.vae.fromPkg}\` (\`${c.vae.cls}\`).`] : []),
    '- Weight mapping rules, shape constraints and tolerances found during the port.',
    '',
  ].join('\n');
}
