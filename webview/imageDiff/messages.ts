// The image diff's side of the channel: validated host messages in, typed messages out, and
// the persisted state.
import { isImageDiffHostMessage, type ImageDiffHostMessage, type ImageDiffWebviewMessage } from '../../src/protocol/imageDiff';
import { panelChannel } from '../shared/vscodeApi';
import { snapshot, type Persisted } from './state';

export const { post, onHostMessage, savedState, persist } = panelChannel<ImageDiffHostMessage, ImageDiffWebviewMessage, Persisted>(
  'image diff',
  isImageDiffHostMessage,
  snapshot,
);
