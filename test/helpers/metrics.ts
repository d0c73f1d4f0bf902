// The per-pair metrics of a compare report that the fixture scripts compute independently with
// NumPy (src/core/compare/README.md defines them), checked field by field against the engine.
export const NUMPY_METRICS = [
  'numel',
  'max_abs',
  'mean_abs',
  'rmse',
  'max_rel',
  'rel_l2',
  'cosine',
  'sqnr_db',
  'mismatch',
  'nan_ref',
  'nan_cand',
  'inf_ref',
  'inf_cand',
] as const;
