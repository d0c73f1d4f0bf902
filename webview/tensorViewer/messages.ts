// The tensor viewer's side of the channel: validated host messages in, requests out.
import { isTensorViewerHostMessage, type TensorViewerHostMessage, type TensorViewerWebviewMessage } from '../../src/protocol/tensorViewer';
import { connect } from '../shared/vscodeApi';

export const channel = connect<TensorViewerHostMessage, TensorViewerWebviewMessage>(isTensorViewerHostMessage, (raw) => {
  console.warn('tensor viewer: ignored a malformed message', raw);
});
