// Test helpers in the shapes real mflux helpers take, written in our own words: a helper
// with keyword-only settings (`num_inference_steps`, not `steps`) and an optional
// `model_config`; one without `guidance`; a shared helper that requires `model_class` and
// `model_config`; and a test file mixing fast unit tests with one image comparison.
import { write } from './fixtures';

const HELPERS = 'tests/image_generation/helpers';

function packageFiles(root: string, pkg: string, cls: string): void {
  write(root, 'src/mflux/models/common/config/__init__.py', 'from mflux.models.common.config.model_config import ModelConfig\n');
  write(root, `src/mflux/models/${pkg}/__init__.py`, '');
  write(root, `src/mflux/models/${pkg}/variants/__init__.py`, '');
  write(root, `src/mflux/models/${pkg}/variants/txt2img/__init__.py`, '');
  write(
    root,
    `src/mflux/models/${pkg}/variants/txt2img/${pkg}.py`,
    `class ${cls}:\n    def __init__(self, quantize=None, model_config=None):\n        self.quantize = quantize\n`,
  );
}

/** `lumen`: keyword-only settings after the two paths, `num_inference_steps`, optional model_config and prompt. */
export function lumenHelper(root: string): void {
  packageFiles(root, 'lumen', 'Lumen');
  // Two entries; the second's aliases span several lines.
  write(
    root,
    'src/mflux/models/common/config/model_config.py',
    [
      'class ModelConfig:',
      '    def __init__(self, aliases, model_name):',
      '        self.aliases = aliases',
      '        self.model_name = model_name',
      '',
      '    @staticmethod',
      '    def lumen() -> "ModelConfig":',
      '        return AVAILABLE_MODELS["lumen"]',
      '',
      '    @staticmethod',
      '    def lumen_fast() -> "ModelConfig":',
      '        return AVAILABLE_MODELS["lumen-fast"]',
      '',
      '',
      'AVAILABLE_MODELS = {',
      '    "lumen": ModelConfig(aliases=["lumen"], model_name="org/Lumen"),',
      '    "lumen-fast": ModelConfig(',
      '        aliases=[',
      '            "lumen-turbo",',
      '            "lumen-distilled",',
      '        ],',
      '        model_name="org/Lumen-Fast",',
      '    ),',
      '}',
      '',
    ].join('\n'),
  );
  write(root, `${HELPERS}/__init__.py`, '');
  write(
    root,
    `${HELPERS}/image_generation_lumen_test_helper.py`,
    [
      'from typing import Any',
      '',
      'from mflux.models.common.config.model_config import ModelConfig',
      'from mflux.models.lumen.variants.txt2img.lumen import Lumen',
      '',
      '',
      'class LumenGoldenHelper:',
      '    @staticmethod',
      '    def assert_matches_reference_image(',
      '        reference_image_path: str,',
      '        output_image_path: str,',
      '        *,',
      '        seed: int,',
      '        height: int,',
      '        width: int,',
      '        style: str = "plain",',
      '        num_inference_steps: int | None = None,',
      '        quantize: int | None = None,',
      '        mismatch_threshold: float | None = None,',
      '        model_config: ModelConfig | None = None,',
      '        prompt: str | dict[str, Any] | None = None,',
      '    ) -> None:',
      '        Lumen(quantize=quantize, model_config=model_config)',
      '',
    ].join('\n'),
  );
}

/** `brook`: the classic positional signature with `steps` and no `guidance` parameter. */
export function brookHelper(root: string): void {
  packageFiles(root, 'brook', 'Brook');
  write(root, `${HELPERS}/__init__.py`, '');
  write(
    root,
    `${HELPERS}/image_generation_brook_test_helper.py`,
    [
      'class BrookHelper:',
      '    @staticmethod',
      '    def assert_matches_reference_image(',
      '        reference_image_path, output_image_path, prompt, steps, seed, height, width,',
      '        quantize=None, lora_paths=None, mismatch_threshold=None,',
      '    ):',
      '        pass',
      '',
    ].join('\n'),
  );
}

/** `vesper`: no helper of its own; its existing test calls the shared helper that requires model_class and model_config. */
export function vesperSharedHelper(root: string): void {
  packageFiles(root, 'vesper', 'Vesper');
  write(root, `${HELPERS}/__init__.py`, '');
  write(
    root,
    `${HELPERS}/image_generation_test_helper.py`,
    [
      'class SharedHelper:',
      '    @staticmethod',
      '    def assert_matches_reference_image(',
      '        reference_image_path, output_image_path, model_class, model_config, prompt, steps, seed,',
      '        quantize=8, height=None, width=None, guidance=None, mismatch_threshold=None,',
      '    ):',
      '        pass',
      '',
    ].join('\n'),
  );
  write(
    root,
    'tests/image_generation/test_generate_image_vesper.py',
    [
      'import pytest',
      '',
      'from mflux.models.vesper.variants.txt2img.vesper import Vesper',
      'from tests.image_generation.helpers.image_generation_test_helper import SharedHelper',
      '',
      '',
      'class TestVesper:',
      '    @pytest.mark.fast',
      '    def test_vesper_rejects_odd_sizes(self):',
      '        assert Vesper is not None',
      '',
      '    @pytest.mark.slow',
      '    def test_vesper_golden(self):',
      '        SharedHelper.assert_matches_reference_image(',
      '            reference_image_path="reference_vesper.png",',
      '            output_image_path="output_vesper.png",',
      '            model_class=Vesper,',
      '            model_config=None,',
      '            prompt="p",',
      '            steps=2,',
      '            seed=1,',
      '        )',
      '',
      '',
      'def test_vesper_alias_table():',
      '    assert "vesper" == "vesper"',
      '',
    ].join('\n'),
  );
}

/**
 * A TrainingAdapter protocol in mflux's place, written in our own words and deliberately not
 * mflux's method set: an extra `export_sample_grid`, a positional-only parameter, a default, so
 * a generated adapter can only match it by reading the file.
 */
export function trainingProtocol(root: string): string[] {
  write(
    root,
    'src/mflux/models/common/training/adapters/base.py',
    [
      'from __future__ import annotations',
      '',
      'from pathlib import Path',
      'from typing import Any, Protocol',
      '',
      'import mlx.core as mx',
      'from mlx import nn',
      '',
      'from mflux.models.common.config.config import Config',
      '',
      '',
      'class TrainingAdapter(Protocol):',
      '    def model(self) -> nn.Module: ...',
      '',
      '    def transformer(self) -> nn.Module: ...',
      '',
      '    def encode_data(',
      '        self,',
      '        *,',
      '        data_id: int,',
      '        image_path: Path,',
      '        prompt: str,',
      '        width: int,',
      '        height: int,',
      '        input_image_path: Path | None = None,',
      '    ) -> tuple[mx.array, Any]: ...',
      '',
      '    def predict_noise(self, *, t: int, latents_t: mx.array, sigmas: mx.array, cond: Any, config: Config) -> mx.array: ...',
      '',
      '    def export_sample_grid(self, images: list[Any], /, columns: int = 4, *, title: str | None = None) -> Path: ...',
      '',
    ].join('\n'),
  );
  return ['encode_data', 'export_sample_grid', 'model', 'predict_noise', 'transformer'];
}
