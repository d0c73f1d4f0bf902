// The tensor viewer's side of the channel: validated host messages in, typed requests out.
import {
  isTensorViewerHostMessage,
  TENSOR_VIEWER_REPLIES,
  type TensorViewerHostMessage,
  type TensorViewerRequests,
  type TensorViewerWebviewMessage,
} from '../../src/protocol/tensorViewer';
import { connect } from '../shared/vscodeApi';

export const channel = connect<TensorViewerHostMessage, TensorViewerWebviewMessage, TensorViewerRequests>(
  isTensorViewerHostMessage,
  (raw) => console.warn('tensor viewer: ignored a malformed message', raw),
  TENSOR_VIEWER_REPLIES,
);
