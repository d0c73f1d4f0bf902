// What every scaffold template reads: the model's names, the chosen options and where the
// VAE comes from, plus the two helpers the templates share.
import type { ModelNames } from './naming';

export interface TemplateContext {
  readonly n: ModelNames;
  readonly hfRepo: string;
  readonly edit: boolean;
  readonly lora: boolean;
  readonly training: boolean;
  /** Set when the VAE of another package is reused instead of porting one. */
  readonly vae: VaeSource;
}

export interface VaeSource {
  /** Python module that defines the VAE class. */
  readonly module: string;
  readonly cls: string;
  /** Package the VAE comes from (this model's own package when not reused). */
  readonly fromPkg: string;
  /** `Other.get_vae_mapping` (class, its module and the getter) when the other package's weights provide one. */
  readonly mappingGetter?: { readonly module: string; readonly cls: string; readonly fn: string };
}

export const mod = (c: TemplateContext, rest: string) => `mflux.models.${c.n.pkg}.${rest}`;
export const reused = (c: TemplateContext) => c.vae.fromPkg !== c.n.pkg;
