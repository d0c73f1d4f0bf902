// The image diff's side of the channel: validated host messages in, typed messages out, and
// the persisted state.
import { isImageDiffHostMessage, type ImageDiffHostMessage, type ImageDiffWebviewMessage } from '../../src/protocol/imageDiff';
import { connect } from '../shared/vscodeApi';
import { snapshot, type Persisted } from './state';

const channel = connect<ImageDiffHostMessage, ImageDiffWebviewMessage>(isImageDiffHostMessage, (raw) => {
  console.warn('image diff: ignored a malformed message', raw);
});

export function post(message: ImageDiffWebviewMessage): void {
  channel.post(message);
}

export function onHostMessage(handler: (message: ImageDiffHostMessage) => void): void {
  channel.onMessage(handler);
}

export function savedState(): Persisted | undefined {
  return channel.getState<Persisted>();
}

/** Saves what must survive the panel being hidden. */
export function persist(): void {
  channel.setState(snapshot());
}
