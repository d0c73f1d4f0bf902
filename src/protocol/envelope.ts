// The envelope every host <-> webview message travels in: request/response with ids,
// as in the custom-editor sample. Panel-specific message unions live next to this file.
//
// A panel's requests are one map from request name to [args, reply] (e.g. TensorViewerRequests):
// the webview's `channel.request(name, args)` returns that name's reply type, and the host's
// handlers (`RequestHandlers<Map>`) must answer each name with it. The validators of each panel
// still check both directions at run time.

/** Request name → [args (the message's payload), reply payload]. */
export type RequestMap = { readonly [name: string]: readonly [unknown, unknown] };

export type RequestName<M extends RequestMap> = keyof M & string;

/** The webview → host message of one request of the map. */
export type RequestMessage<M extends RequestMap> = {
  [K in RequestName<M>]: { readonly kind: K; readonly requestId: number; readonly payload: M[K][0] };
}[RequestName<M>];

export interface Reply<P = unknown> {
  readonly kind: 'reply';
  readonly inReplyTo: number;
  readonly ok: boolean;
  readonly payload?: P;
  readonly error?: string;
}

/** Every reply payload the map can send. */
export type ReplyOf<M extends RequestMap> = Reply<M[RequestName<M>][1]>;

/** The host's answer to each request of the map. */
export type RequestHandlers<M extends RequestMap> = { readonly [K in RequestName<M>]: (args: M[K][0]) => Promise<M[K][1]> };

/** The run-time check of each request's reply payload (used by the webview on every reply). */
export type ReplyValidators<M extends RequestMap> = { readonly [K in RequestName<M>]: (v: unknown) => v is M[K][1] };

/** Runs the handler of `m`'s name: its result is an ok reply, a thrown error a failed one. */
export async function answerRequest<M extends RequestMap>(handlers: RequestHandlers<M>, m: RequestMessage<M>): Promise<ReplyOf<M>> {
  // One handler per name; `m.kind` picks the handler whose args type is `m.payload`'s.
  const handler = handlers[m.kind as RequestName<M>] as (args: unknown) => Promise<M[RequestName<M>][1]>;
  try {
    return { kind: 'reply', inReplyTo: m.requestId, ok: true, payload: await handler(m.payload) };
  } catch (e) {
    return { kind: 'reply', inReplyTo: m.requestId, ok: false, error: (e as Error).message };
  }
}

export { isObject } from '../core/json';
