// What happens when the host sends the pairs or a pair's pixels, and when the user picks a
// pair or a mode: state changes first, then the views that show it.
import type { ImageDiffHostMessage } from '../../src/protocol/imageDiff';
import { persist, post } from './messages';
import { analysePair, localMetrics } from './pixels';
import { state, type Mode } from './state';
import { imageCanvas, resetComposites } from './views/composite';
import { renderFiles, renderMetrics, renderNotes, renderRuleFields, renderVerdict } from './views/rulePanel';
import { renderTimeline, showSelectedStep } from './views/timeline';
import { applyMode, renderPairSelect, renderTitle, showSelectedPair } from './views/toolbar';
import { refresh, showEmpty, showViewer } from './views/viewport';

type Payload<K extends ImageDiffHostMessage['kind']> = Extract<ImageDiffHostMessage, { kind: K }>['payload'];

export function showPairs(p: Payload<'init'>): void {
  state.title = p.title;
  state.pairs = p.pairs;
  state.stepwise = p.stepwise;
  state.source = p.source;
  if (!state.restored) state.rule = p.rule;
  state.selected = p.pairs.some((x) => x.id === state.selected) && state.restored ? state.selected : p.selected;
  renderTitle();
  renderPairSelect();
  renderTimeline();
  renderRuleFields();
  if (p.pairs.length === 0) showEmpty(p.message ?? 'No image pairs to compare.');
  else {
    showEmpty(p.message ?? 'Loading images…');
    post({ kind: 'selectPair', payload: { id: state.selected } });
  }
  persist();
}

export function showPair(p: Payload<'pair'>): void {
  const { ref, cand } = p;
  const a = analysePair(ref, cand);
  state.loaded = {
    id: p.id,
    ref,
    cand,
    problems: p.problems,
    metrics: p.metrics ?? (a.comparable ? localMetrics(ref!, cand!) : null),
    refCanvas: ref ? imageCanvas(ref) : null,
    candCanvas: cand ? imageCanvas(cand) : null,
    ...a,
  };
  resetComposites();
  showViewer();
  if (!a.comparable && state.mode !== 'side') state.mode = 'side';
  const pair = state.pairs.find((x) => x.id === p.id);
  renderNotes();
  renderFiles(pair);
  renderMetrics();
  renderVerdict();
  applyMode();
  refresh();
}

export function selectPair(id: number): void {
  if (!state.pairs.some((p) => p.id === id) || (id === state.selected && state.loaded?.id === id)) return;
  state.selected = id;
  persist();
  if (state.stepwise) showSelectedStep();
  else showSelectedPair();
  post({ kind: 'selectPair', payload: { id } });
}

export function setMode(mode: Mode): void {
  const l = state.loaded;
  if (mode !== 'side' && l && !l.comparable) return;
  state.mode = mode;
  persist();
  applyMode();
  refresh();
}
