// A port: one model being brought from the PyTorch reference into mflux. The model name
// is the package folder name under src/mflux/models/, so it follows Python's module rules.

export interface Port {
  /** snake_case package name, e.g. `z_image`. */
  readonly model: string;
  /** Absolute path of the mflux clone; the state file lives inside it. */
  readonly mfluxRepo: string;
  /** Absolute path of the reference clone (usually a sibling `diffusers`), when known. */
  readonly referenceRepo?: string;
  /** Reference pipeline class or Hugging Face repo id, e.g. `Tongyi-MAI/Z-Image-Turbo`; may be empty. */
  readonly reference: string;
  /** Free-form notes about the port. */
  readonly notes: string;
}

const PYTHON_KEYWORDS = new Set([
  'false',
  'none',
  'true',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

/** Folders under src/mflux/models/ that are not models; a port must not take their names. */
const RESERVED = new Set(['common']);

const MODEL_NAME_MAX = 64;

/**
 * Checks a model name. Returns undefined when it is valid, otherwise one sentence saying
 * what is wrong, written to sit under an input box.
 */
export function validateModelName(raw: string): string | undefined {
  const name = raw.trim();
  if (name.length === 0) return 'Enter the model name, e.g. z_image (it becomes src/mflux/models/<name>/).';
  if (name.length > MODEL_NAME_MAX) return `The model name is ${name.length} characters long; keep it at most ${MODEL_NAME_MAX}.`;
  if (/[A-Z]/.test(name)) return `Use lower case snake_case: "${suggestModelName(name)}" instead of "${name}".`;
  if (/[-\s.]/.test(name)) return `Python packages cannot contain "-", "." or spaces: use "${suggestModelName(name)}".`;
  if (/^[0-9]/.test(name)) return 'The model name must start with a letter (it is a Python package name).';
  if (name.startsWith('_')) return 'The model name must start with a letter, not "_".';
  if (!/^[a-z][a-z0-9_]*$/.test(name)) return `"${name}" has characters a Python package name cannot hold; use a-z, 0-9 and "_".`;
  if (/__/.test(name) || name.endsWith('_')) return 'Use single underscores between words and none at the end, e.g. z_image_turbo.';
  if (PYTHON_KEYWORDS.has(name)) return `"${name}" is a Python keyword and cannot be a package name.`;
  if (RESERVED.has(name)) return `"${name}" is a shared mflux folder, not a model; pick the model's own name.`;
  return undefined;
}

/** Best-effort snake_case form of what the user typed ("Z-Image Turbo" → "z_image_turbo"). */
export function suggestModelName(raw: string): string {
  const s = raw
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/_+/g, '_');
  return /^[0-9]/.test(s) ? `m_${s}` : s;
}

/**
 * Spellings under which mflux refers to a model outside its package: the package name
 * (`z_image`), the CLI / ModelConfig key form (`z-image`).
 */
export function modelNameForms(model: string): string[] {
  const hyphen = model.replace(/_/g, '-');
  return hyphen === model ? [model] : [model, hyphen];
}

/** Asserts the name is valid; for code paths that take names from files or arguments. */
export function assertModelName(name: string): void {
  const problem = validateModelName(name);
  if (problem) throw new Error(`invalid model name "${name}": ${problem}`);
}
