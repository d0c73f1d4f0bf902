// Public surface of the image side: PNG decoding, image metrics and the golden rule,
// heatmaps, colormaps and rendering.
export type * from './types';
export { decodePng, readPng, encodePng } from './png';
export { imageDiff, goldenRatio, goldenCurve, pixelMismatchMask, pixelAbsDiff, type ImageDiffOptions } from './imageDiff';
export { ssimRgb, SSIM_METHODS, type SsimMethod } from './ssim';
export { HeatmapAccumulator, heatGeometry, maxPool, type HeatGeometry, type GeometryHints } from './heatmap';
export { colormap, colormapTable, legendFor, chooseRange, normalizer, formatValue, NAN_COLOR } from './colormap';
export { renderHeatmap, tile } from './render';
