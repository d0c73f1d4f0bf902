// The result of a pair that could not be measured (no layout, undecodable dtype, read failure).
import type { TensorInfo } from '../tensors';
import type { LayoutWhy, PairingInfo, PairResult } from './types';
import type { UnjudgedPair } from './verdict';

export function emptyResult(
  refName: string,
  candName: string,
  pairing: PairingInfo,
  r: TensorInfo,
  c: TensorInfo,
  tol: { atol: number; rtol: number; source: PairResult['tolerance_source'] },
  transform: PairResult['transform'],
  reason: string,
  layoutWhy: LayoutWhy = 'shape',
): UnjudgedPair {
  return {
    name: refName,
    ref_name: refName,
    cand_name: candName,
    ref: { dtype: r.dtype, shape: [...r.shape] },
    cand: { dtype: c.dtype, shape: [...c.shape] },
    pairing,
    transform,
    atol: tol.atol,
    rtol: tol.rtol,
    tolerance_source: tol.source,
    numel: r.numel,
    max_abs: null,
    max_abs_index: null,
    mean_abs: null,
    rmse: null,
    max_rel: null,
    rel_l2: null,
    cosine: null,
    sqnr_db: null,
    // Nothing could be compared, so no element counts as matching.
    mismatch: r.numel,
    mismatch_ratio: 1,
    nan_ref: 0,
    nan_cand: 0,
    inf_ref: 0,
    inf_cand: 0,
    pass: false,
    layout_why: layoutWhy,
    reason,
  };
}
