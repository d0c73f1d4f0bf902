// The envelope every host <-> webview message travels in: request/response with ids,
// as in the custom-editor sample. Panel-specific message unions live next to this file.

export interface Request<K extends string = string, P = unknown> {
  readonly kind: K;
  readonly requestId?: number;
  readonly payload: P;
}

export interface Reply<P = unknown> {
  readonly kind: 'reply';
  readonly inReplyTo: number;
  readonly ok: boolean;
  readonly payload?: P;
  readonly error?: string;
}

export { isObject } from '../core/json';
