// Model packages that leave parts of the canonical layout out, in the ways real finished mflux
// models do (mflux 97ac5e6), written from scratch with made-up names:
//   - `gauge`, a depth estimator like depth_pro: its entry class is model/gauge.py (no
//     variants/), no latent_creator/, a CLI without the image-generator arguments, no
//     ModelConfig, its image test in tests/depth/;
//   - `lift`, an upscaler like seedvr2: its variant class is in variants/upscale/;
//   - `muse_vlm`, a companion like fibo_vlm: a prompt model that the generator `muse` imports
//     and whose README documents it; no README, README row or golden image of its own.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_SURFACES, buildMfluxTree, weightMappingPy, write, Z_IMAGE, type FixtureModel } from './fixtures';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f1e2d70000000049454e44ae426082',
  'hex',
);

/** Adds a line after `after` in a file of the tree. */
function insertAfter(root: string, rel: string, after: RegExp, line: string): void {
  const lines = readFileSync(join(root, rel), 'utf8').split('\n');
  const i = lines.findIndex((l) => after.test(l));
  lines.splice(i + 1, 0, line);
  write(root, rel, lines.join('\n'));
}

/** weights/: a definition with one component and a mapping with one target, named `<prefix>_weight_*`. */
function weights(root: string, pkg: string, cls: string): void {
  write(
    root,
    `src/mflux/models/${pkg}/weights/${pkg}_weight_mapping.py`,
    weightMappingPy(cls, 'get_mapping', '[WeightTarget(to_pattern="head.weight", from_pattern=["head.weight"])]'),
  );
  write(
    root,
    `src/mflux/models/${pkg}/weights/${pkg}_weight_definition.py`,
    [
      `from mflux.models.${pkg}.weights.${pkg}_weight_mapping import ${cls}WeightMapping`,
      '',
      '',
      `class ${cls}WeightDefinition:`,
      '    @staticmethod',
      '    def get_components():',
      `        return [ComponentDefinition(name="${pkg}", hf_path=None, mapping_getter=${cls}WeightMapping.get_mapping)]`,
      '',
    ].join('\n'),
  );
}

function initializer(root: string, pkg: string, cls: string, modelArg = 'model'): void {
  write(
    root,
    `src/mflux/models/${pkg}/${pkg}_initializer.py`,
    [
      `from mflux.models.${pkg}.weights.${pkg}_weight_definition import ${cls}WeightDefinition`,
      '',
      '',
      `class ${cls}Initializer:`,
      '    @staticmethod',
      `    def init(${modelArg}, quantize=None) -> None:`,
      `        weights = WeightLoader.load(weight_definition=${cls}WeightDefinition)`,
      `        WeightApplier.apply_and_quantize(weights=weights, quantize_arg=quantize, models={"${pkg}": ${modelArg}})`,
      '',
    ].join('\n'),
  );
}

/** A CLI on the shared parser that never adds the image-generator arguments. */
function toolCli(root: string, pkg: string, name: string, body: string): void {
  write(
    root,
    `src/mflux/models/${pkg}/cli/${name}.py`,
    [
      'from mflux.cli.parser.parsers import CommandLineParser',
      '',
      '',
      'def main():',
      `    parser = CommandLineParser(description="${name}")`,
      body,
      '',
    ].join('\n'),
  );
}

function readmeRow(root: string, pkg: string, title: string): void {
  insertAfter(root, 'README.md', /^\| --- \|/, `|[${title}](src/mflux/models/${pkg}/README.md) | 2026 | 1B | — | No | ${title}. |`);
}

function script(root: string, line: string): void {
  insertAfter(root, 'pyproject.toml', /^\[project\.scripts\]/, line);
}

/** The depth-estimator convention: entry class in model/, nothing to denoise. */
export function addGauge(root: string): void {
  const base = 'src/mflux/models/gauge';
  write(root, `${base}/__init__.py`, '');
  weights(root, 'gauge', 'Gauge');
  initializer(root, 'gauge', 'Gauge');
  write(root, `${base}/model/gauge_network.py`, 'from mlx import nn\n\n\nclass GaugeNetwork(nn.Module):\n    pass\n');
  write(
    root,
    `${base}/model/gauge.py`,
    [
      'from mflux.models.gauge.gauge_initializer import GaugeInitializer',
      'from mflux.models.gauge.model.gauge_network import GaugeNetwork',
      '',
      '',
      'class Gauge:',
      '    def __init__(self, quantize=None):',
      '        self._network = GaugeNetwork()',
      '        GaugeInitializer.init(self._network, quantize=quantize)',
      '',
      '    def measure(self, image_path):',
      '        return self._network(image_path)',
      '',
    ].join('\n'),
  );
  toolCli(
    root,
    'gauge',
    'save_gauge',
    '    parser.add_save_depth_arguments()\n    args = parser.parse_args()\n    Gauge(quantize=args.quantize)',
  );
  write(root, `${base}/README.md`, '# Gauge\n\nDepth maps from one image.\n');
  write(
    root,
    'tests/depth/test_gauge.py',
    [
      'from pathlib import Path',
      '',
      'import pytest',
      '',
      'from mflux.models.gauge.model.gauge import Gauge',
      'from mflux.utils.image_compare import ImageCompare',
      '',
      '',
      'class TestGauge:',
      '    @pytest.mark.slow',
      '    def test_gauge_depth_map(self):',
      '        resources = Path(__file__).parent.parent / "resources"',
      '        output = resources / "output_gauge.png"',
      '        Gauge().measure(resources / "input.png").save(output)',
      '        ImageCompare.check_images_close_enough(output, resources / "reference_gauge.png", "differs")',
      '',
    ].join('\n'),
  );
  write(root, 'tests/resources/reference_gauge.png', PNG);
  script(root, 'mflux-save-gauge = "mflux.models.gauge.cli.save_gauge:main"');
  readmeRow(root, 'gauge', 'Gauge');
}

/** The upscaler convention: the variant class in variants/upscale/, a ModelConfig entry, no MODEL_CHOICES. */
export function addLift(root: string): void {
  const base = 'src/mflux/models/lift';
  write(root, `${base}/__init__.py`, '');
  weights(root, 'lift', 'Lift');
  initializer(root, 'lift', 'Lift');
  write(root, `${base}/model/lift_transformer/transformer.py`, 'from mlx import nn\n\n\nclass LiftTransformer(nn.Module):\n    pass\n');
  write(root, `${base}/latent_creator/lift_latent_creator.py`, 'class LiftLatentCreator:\n    pass\n');
  write(root, `${base}/variants/__init__.py`, '');
  write(
    root,
    `${base}/variants/upscale/lift.py`,
    [
      'from mlx import nn',
      '',
      'from mflux.models.common.config import ModelConfig',
      'from mflux.models.lift.lift_initializer import LiftInitializer',
      '',
      '',
      'class Lift(nn.Module):',
      '    def __init__(self, quantize=None, model_config=ModelConfig.lift()):',
      '        super().__init__()',
      '        LiftInitializer.init(',
      '            model=self,',
      '            quantize=quantize,',
      '        )',
      '',
    ].join('\n'),
  );
  toolCli(
    root,
    'lift',
    'lift_upscale',
    '    parser.add_upscale_arguments()\n    args = parser.parse_args()\n    CallbackManager.register_callbacks(args=args, model=None, latent_creator=None)',
  );
  write(root, `${base}/README.md`, '# Lift\n\nUpscaling.\n');
  write(
    root,
    'tests/image_generation/test_generate_image_lift_upscale.py',
    [
      'import pytest',
      '',
      '',
      'class TestLiftUpscale:',
      '    @pytest.mark.slow',
      '    def test_lift_upscale(self):',
      '        assert_matches_reference_image(reference_image_path="reference_lift_upscaled.png", output_image_path="output_lift.png")',
      '',
    ].join('\n'),
  );
  write(root, 'tests/resources/reference_lift_upscaled.png', PNG);
  script(root, 'mflux-upscale-lift = "mflux.models.lift.cli.lift_upscale:main"');
  readmeRow(root, 'lift', 'Lift');
}

/** The companion convention: muse_vlm serves the generator muse, which imports it and documents it. */
export function addMuseVlm(root: string): void {
  const base = 'src/mflux/models/muse_vlm';
  write(root, `${base}/__init__.py`, '');
  weights(root, 'muse_vlm', 'MuseVLM');
  initializer(root, 'muse_vlm', 'MuseVLM');
  write(root, `${base}/tokenizer/muse_processor.py`, 'class MuseProcessor:\n    pass\n');
  write(
    root,
    `${base}/model/muse_vlm.py`,
    [
      'from mflux.models.muse_vlm.muse_vlm_initializer import MuseVLMInitializer',
      '',
      '',
      'class MuseVLM:',
      '    def __init__(self, quantize=None):',
      '        MuseVLMInitializer.init(self, quantize=quantize)',
      '',
      '    def expand(self, prompt: str) -> str:',
      '        return prompt',
      '',
    ].join('\n'),
  );
  toolCli(
    root,
    'muse_vlm',
    'muse_expand',
    '    parser.add_argument("--prompt")\n    args = parser.parse_args()\n    print(MuseVLM().expand(args.prompt))',
  );
  write(
    root,
    'tests/vlm/test_muse_vlm.py',
    'from mflux.models.muse_vlm.model.muse_vlm import MuseVLM\n\n\ndef test_expand():\n    assert MuseVLM().expand("a") == "a"\n',
  );
  script(root, 'mflux-expand-muse = "mflux.models.muse_vlm.cli.muse_expand:main"');
  // The parent: a generator whose variant uses the VLM and whose README shows how.
  write(
    root,
    'src/mflux/models/muse/variants/txt2img/muse_util.py',
    'from mflux.models.muse_vlm.model.muse_vlm import MuseVLM\n\n\ndef expand(prompt):\n    return MuseVLM().expand(prompt)\n',
  );
  write(root, 'src/mflux/models/muse/README.md', '# Muse\n\n## Prompt expansion\n\n```sh\nmflux-expand-muse --prompt "an owl"\n```\n');
}

export const MUSE: FixtureModel = { pkg: 'muse', cls: 'Muse', key: 'muse', aliases: ['muse'], surfaces: ALL_SURFACES };
const LIFT_CONFIG: FixtureModel = { pkg: 'lift', cls: 'Lift', key: 'lift', aliases: ['lift'], surfaces: ['config'] };

/** z_image (every surface), muse (a generator) with its companion muse_vlm, gauge and lift. */
export function buildLayoutTree(root: string): string {
  buildMfluxTree(root, [Z_IMAGE, MUSE, LIFT_CONFIG]);
  // buildMfluxTree gives every model a txt2img variant; lift's lives in variants/upscale/.
  rmSync(join(root, 'src/mflux/models/lift'), { recursive: true });
  addGauge(root);
  addLift(root);
  addMuseVlm(root);
  return root;
}
