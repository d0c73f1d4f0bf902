// The initializer (load weights, tokenizers, models, LoRA) and the variant classes
// (txt2img, edit) with generate_image and save_model.
import { mod, reused, type TemplateContext } from './scaffoldContext';

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
    `from ${mod(c, `model.${pkg}_text_encoder.prompt_encoder`)} import ${cls}PromptEncoder`,
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
    `        prompt_embeds = ${cls}PromptEncoder.encode_prompt_cached(`,
    '            prompt=prompt,',
    `            tokenizer=self.tokenizers["${pkg}"],`,
    '            text_encoder=self.text_encoder,',
    '            prompt_cache=self.prompt_cache,',
    '        )',
    '        # Mirror the reference pipeline here: run the denoising loop on prompt_embeds with',
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
