// Tensor file viewer (read-only custom editor): the name tree with folded repeated blocks and
// totals, from headers only; stats, first values and a heatmap preview are fetched per tensor
// when asked for. This file wires the modules: state.ts (what is shown), messages.ts (the host
// channel), actions.ts (what a message or a request changes), views/ (the DOM), tree.ts (the
// name tree, pure).
import { requestPreview, requestStats, showFile } from './actions';
import { intents } from './intents';
import { channel } from './messages';
import { bindTree } from './views/treeView';

intents.requestStats = (name) => void requestStats(name);
intents.requestPreview = (name) => void requestPreview(name);
channel.onMessage((m) => {
  if (m.kind === 'init') showFile(m);
});
bindTree();
channel.post({ kind: 'ready', payload: {} });
