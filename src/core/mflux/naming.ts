// How one model name appears across mflux: package folder, class prefix, CLI script,
// ModelConfig key and aliases. mflux packages are snake_case (`z_image`), classes are
// PascalCase (`ZImage`), scripts and config keys use hyphens (`mflux-generate-z-image`).
import { suggestModelName, validateModelName } from '../checklist/port';

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

/** Returns the reason a package name is unusable, or undefined when it is fine (the checklist's rule). */
export const invalidModelName = validateModelName;

/** Normalises what a user typed ("Z-Image", "z image") into a package name. */
export const toPackageName = suggestModelName;

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
