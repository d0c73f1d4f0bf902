// Package plumbing of a new model: the __init__ re-exports, module stubs, the latent creator
// with pack/unpack.
import { mod, type TemplateContext } from './scaffoldContext';

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

export function promptEncoder(c: TemplateContext): string {
  const { cls, pkg } = c.n;
  return [
    'import mlx.core as mx',
    '',
    'from mflux.models.common.tokenizer import Tokenizer',
    `from ${mod(c, `model.${pkg}_text_encoder.text_encoder`)} import ${cls}TextEncoder`,
    '',
    '',
    `class ${cls}PromptEncoder:`,
    '    @staticmethod',
    `    def encode_prompt(prompt: str, tokenizer: Tokenizer, text_encoder: ${cls}TextEncoder) -> mx.array:`,
    '        # Tokenize as the reference pipeline does (template, padding, max length), then return the',
    '        # hidden states the transformer is conditioned on (often one layer, or only the valid tokens).',
    '        tokens = tokenizer.tokenize(prompt)',
    '        return text_encoder(tokens.input_ids, tokens.attention_mask)',
    '',
    '    @staticmethod',
    '    def encode_prompt_cached(',
    '        prompt: str,',
    '        tokenizer: Tokenizer,',
    `        text_encoder: ${cls}TextEncoder,`,
    '        prompt_cache: dict[str, mx.array],',
    '    ) -> mx.array:',
    '        if prompt in prompt_cache:',
    '            return prompt_cache[prompt]',
    `        embeds = ${cls}PromptEncoder.encode_prompt(prompt, tokenizer, text_encoder)`,
    '        mx.eval(embeds)',
    '        prompt_cache[prompt] = embeds',
    '        return embeds',
    '',
  ].join('\n');
}
