// The test helper written when a model has none, in the style of mflux's recent per-model
// helpers (ernie_image, krea2, ideogram4): reference and output paths first, generation
// settings, an optional `model_config` defaulting to the model's ModelConfig accessor, the
// output removed unless MFLUX_PRESERVE_TEST_OUTPUT is set, memory released in `finally`.

export interface HelperTemplateInput {
  readonly helperCls: string;
  /** Variant class and the module it is imported from. */
  readonly cls: string;
  readonly module: string;
  /** Python expression of the default ModelConfig (`ModelConfig.krea2()`), or undefined when ModelConfig has no entry yet. */
  readonly defaultConfig?: string;
}

export function helperText(h: HelperTemplateInput): string {
  const config = h.defaultConfig ? `model_config or ${h.defaultConfig}` : 'model_config';
  return [
    'import gc',
    'import os',
    'from pathlib import Path',
    '',
    'from mflux.models.common.config.model_config import ModelConfig',
    `from ${h.module} import ${h.cls}`,
    'from mflux.utils.image_compare import ImageCompare',
    '',
    '',
    `class ${h.helperCls}:`,
    '    @staticmethod',
    '    def assert_matches_reference_image(',
    '        reference_image_path: str,',
    '        output_image_path: str,',
    '        prompt: str,',
    '        steps: int,',
    '        seed: int,',
    '        height: int,',
    '        width: int,',
    '        guidance: float | None = None,',
    '        quantize: int | None = None,',
    '        mismatch_threshold: float | None = None,',
    '        model_config: ModelConfig | None = None,',
    '    ) -> None:',
    `        reference_image_path = ${h.helperCls}.resolve_path(reference_image_path)`,
    `        output_image_path = ${h.helperCls}.resolve_path(output_image_path)`,
    '',
    '        model = None',
    '        try:',
    `            model = ${h.cls}(quantize=quantize, model_config=${config})`,
    '            # guidance only when the test sets it, so the model keeps its own default otherwise',
    '            kwargs = {} if guidance is None else {"guidance": guidance}',
    '            image = model.generate_image(',
    '                seed=seed,',
    '                prompt=prompt,',
    '                num_inference_steps=steps,',
    '                height=height,',
    '                width=width,',
    '                **kwargs,',
    '            )',
    '            image.save(output_image_path)',
    '',
    '            ImageCompare.check_images_close_enough(',
    '                output_image_path,',
    '                reference_image_path,',
    '                "Generated image doesn\'t match reference image.",',
    '                mismatch_threshold=mismatch_threshold,',
    '            )',
    '        finally:',
    '            if os.path.exists(output_image_path) and "MFLUX_PRESERVE_TEST_OUTPUT" not in os.environ:',
    '                os.remove(output_image_path)',
    '',
    '            model = None',
    '            gc.collect()',
    '            try:',
    '                import mlx.core as mx  # noqa: PLC0415',
    '',
    '                mx.metal.clear_cache()',
    '            except (ImportError, AttributeError):',
    '                pass',
    '',
    '    @staticmethod',
    '    def resolve_path(path) -> Path | None:',
    '        if path is None:',
    '            return None',
    '        return Path(__file__).parent.parent.parent / "resources" / path',
    '',
  ].join('\n');
}
