// Weight definition (components, tokenizers, download patterns) and the WeightTarget /
// LoRATarget mappings.
import { mod, reused, type TemplateContext } from './scaffoldContext';

export function weightDefinition(c: TemplateContext): string {
  const { cls, pkg } = c.n;
  const vaeGetter = c.vae.mappingGetter ? `${c.vae.mappingGetter.cls}.${c.vae.mappingGetter.fn}` : `${cls}WeightMapping.get_vae_mapping`;
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
