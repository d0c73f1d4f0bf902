// The parity report's side of the channel: validated host messages in, typed messages out,
// and the persisted state.
import { isParityHostMessage, type ParityHostMessage, type ParityWebviewMessage } from '../../src/protocol/parityReport';
import { connect } from '../shared/vscodeApi';
import { snapshot, type Persisted } from './state';

const channel = connect<ParityHostMessage, ParityWebviewMessage>(isParityHostMessage, (raw) => {
  console.warn('parity report: ignored a malformed message', raw);
});

export function post(message: ParityWebviewMessage): void {
  channel.post(message);
}

export function onHostMessage(handler: (message: ParityHostMessage) => void): void {
  channel.onMessage(handler);
}

export function savedState(): Persisted | undefined {
  return channel.getState<Persisted>();
}

/** Saves what must survive the panel being hidden. */
export function persist(): void {
  channel.setState(snapshot());
}
