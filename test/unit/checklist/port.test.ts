import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertModelName, modelNameForms, suggestModelName, validateModelName } from '../../../src/core/checklist/port';

test('valid snake_case model names pass', () => {
  for (const name of ['z_image', 'flux2_klein', 'qwen_image_edit', 'sd3', 'a', 'krea2']) {
    assert.equal(validateModelName(name), undefined, name);
  }
});

test('surrounding spaces are tolerated (the input box trims)', () => {
  assert.equal(validateModelName('  z_image  '), undefined);
});

test('invalid names get a message that says what to type instead', () => {
  const cases: [string, RegExp][] = [
    ['', /Enter the model name/],
    ['   ', /Enter the model name/],
    ['Z_Image', /lower case snake_case: "z_image"/],
    ['ZImageTurbo', /"z_image_turbo"/],
    ['z-image', /cannot contain "-".*"z_image"/],
    ['z image', /"z_image"/],
    ['z.image', /"z_image"/],
    ['2flux', /start with a letter/],
    ['_private', /start with a letter/],
    ['z__image', /single underscores/],
    ['z_image_', /single underscores/],
    ['class', /Python keyword/],
    ['common', /shared mflux folder/],
    ['zé', /characters a Python package name cannot hold/],
    ['a'.repeat(65), /at most 64/],
  ];
  for (const [input, re] of cases) {
    const msg = validateModelName(input);
    assert.ok(msg, `"${input}" should be rejected`);
    assert.match(msg!, re, `"${input}" → ${msg}`);
    assert.ok(!msg!.includes('\n'), 'one line');
  }
});

test('every suggestion is itself valid', () => {
  for (const raw of ['Z-Image Turbo', 'FLUX.2 Klein', 'QwenImageEdit', '  Sd 3.5  ', '3d-model']) {
    const s = suggestModelName(raw);
    assert.equal(validateModelName(s), undefined, `${raw} → ${s}`);
  }
  assert.equal(suggestModelName('Z-Image Turbo'), 'z_image_turbo');
  assert.equal(suggestModelName('FLUX.2 Klein'), 'flux_2_klein');
});

test('name forms cover the CLI / ModelConfig spelling', () => {
  assert.deepEqual(modelNameForms('z_image'), ['z_image', 'z-image']);
  assert.deepEqual(modelNameForms('fibo'), ['fibo']);
});

test('assertModelName throws with the reason', () => {
  assert.throws(() => assertModelName('Bad-Name'), /invalid model name "Bad-Name"/);
  assert.doesNotThrow(() => assertModelName('good_name'));
});
