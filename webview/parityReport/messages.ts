// The parity report's side of the channel: validated host messages in, typed messages out,
// and the persisted state.
import { isParityHostMessage, type ParityHostMessage, type ParityWebviewMessage } from '../../src/protocol/parityReport';
import { panelChannel } from '../shared/vscodeApi';
import { snapshot, type Persisted } from './state';

export const { post, onHostMessage, savedState, persist } = panelChannel<ParityHostMessage, ParityWebviewMessage, Persisted>(
  'parity report',
  isParityHostMessage,
  snapshot,
);
