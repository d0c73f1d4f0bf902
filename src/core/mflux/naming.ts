// How one model name appears across mflux: package folder, class prefix, CLI script,
// ModelConfig key and aliases. mflux packages are snake_case (`z_image`), classes are
// PascalCase (`ZImage`), scripts and config keys use hyphens (`mflux-generate-z-image`).

export interface ModelNames {
  /** Package folder under src/mflux/models/, e.g. `z_image`. */
  readonly pkg: string;
  /** Class prefix, e.g. `ZImage`. */
  readonly cls: string;
  /** Hyphenated name used by scripts and ModelConfig keys, e.g. `z-image`. */
  readonly hyphen: string;
  /** Aliases a user would type: the hyphenated name and the compact one (`zimage`) when different. */
  readonly aliases: readonly string[];
  /** Console script of the txt2img CLI, e.g. `mflux-generate-z-image`. */
  readonly script: string;
}

const PKG = /^[a-z][a-z0-9_]*$/;
const PY_KEYWORDS = new Set([
  'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except',
  'false', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'none', 'nonlocal', 'not',
  'or', 'pass', 'raise', 'return', 'true', 'try', 'while', 'with', 'yield',
]);

/** Returns the reason a package name is unusable, or undefined when it is fine. */
export function invalidModelName(name: string): string | undefined {
  if (!PKG.test(name)) return `"${name}" is not a valid mflux package name (lowercase letters, digits and _; starts with a letter)`;
  if (PY_KEYWORDS.has(name)) return `"${name}" is a Python keyword`;
  if (name === 'common') return '"common" is the shared mflux package, not a model';
  if (name.endsWith('_')) return `"${name}" ends with "_"`;
  return undefined;
}

/** Normalises what a user typed ("Z-Image", "z image") into a package name. */
export function toPackageName(input: string): string {
  return input.trim().toLowerCase().replace(/[\s.-]+/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
}

export function modelNames(pkg: string): ModelNames {
  const reason = invalidModelName(pkg);
  if (reason) throw new Error(reason);
  const parts = pkg.split('_').filter(Boolean);
  const cls = parts.map((p) => p[0].toUpperCase() + p.slice(1)).join('');
  const hyphen = parts.join('-');
  const compact = parts.join('');
  const aliases = compact === hyphen ? [hyphen] : [hyphen, compact];
  return { pkg, cls, hyphen, aliases, script: `mflux-generate-${hyphen}` };
}
