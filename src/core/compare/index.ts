// Public surface of the parity engine for the CLI, the extension host and the panels.
export type * from './types';
export {
  runCompare,
  compareSources,
  CompareInputError,
  DEFAULT_CHUNK_ELEMENTS,
  DEFAULT_WINDOW_ELEMENTS,
  type CompareHooks,
} from './engine';
export { compareInWorker, defaultWorkerFile } from './client';
export { renderHtmlReport, type HtmlOptions } from './html';
export { writeHeatmaps, reportToJson, writeAtomic } from './outputs';
export { naturalCompare, pairNames } from './pairing';
export { readCompareMap, applyRules, compileRules, unsafePattern } from './mapFile';
export { compileTolerances, dtypeDefault, type Tolerance } from './tolerance';
export { planLayout, alternativePlans, type LayoutPlan } from './layout';
export { judge, withPair, DEFAULT_FLOOR_FACTOR, type VerdictOptions, type UnjudgedPair } from './verdict';
export { LayoutConventions } from './convention';
export { toleranceMapPath, readToleranceMap, saveTensorTolerance } from './toleranceMap';
export {
  SUMMARY_FILE,
  summarize,
  readBaseline,
  diffRuns,
  describeDelta,
  type ReportSummaryJson,
  type RunDelta,
  type PairChange,
} from './history';
export { readCaptureNotes, describeCut, type CaptureNotes, type CaptureCut, type DumpSite } from './captureNotes';
