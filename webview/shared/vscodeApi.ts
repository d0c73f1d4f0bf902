// The webview's side of the channel: acquireVsCodeApi() once, validate every incoming message
// with the panel's validator, and correlate request/reply by id. Requests are typed by the
// panel's request map (src/protocol/envelope.ts): `request('requestStats', { name })`.
import type { ReplyValidators, RequestMap, RequestName } from '../../src/protocol/envelope';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** A panel without requests. */
type NoRequests = Record<never, never>;

export interface Channel<In, Out, Req extends RequestMap = NoRequests> {
  post(message: Out): void;
  /** Sends request `name` with `args`; resolves with its reply payload (checked by `replies[name]`). */
  request<K extends RequestName<Req>>(name: K, args: Req[K][0]): Promise<Req[K][1]>;
  onMessage(handler: (message: In) => void): void;
  getState<S>(): S | undefined;
  setState(state: unknown): void;
}

export function connect<In, Out, Req extends RequestMap = NoRequests>(
  isValid: (m: unknown) => m is In,
  onInvalid: (raw: unknown) => void,
  replies?: ReplyValidators<Req>,
): Channel<In, Out, Req> {
  const api = acquireVsCodeApi();
  let nextId = 1;
  const pending = new Map<number, { kind: RequestName<Req>; resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const handlers: ((m: In) => void)[] = [];
  window.addEventListener('message', (event: MessageEvent) => {
    const m: unknown = event.data;
    if (!isValid(m)) {
      onInvalid(m);
      return;
    }
    const reply = m as unknown as { kind: string; inReplyTo?: number; ok?: boolean; payload?: unknown; error?: string };
    if (reply.kind === 'reply' && typeof reply.inReplyTo === 'number') {
      const p = pending.get(reply.inReplyTo);
      if (p) {
        pending.delete(reply.inReplyTo);
        if (!reply.ok) p.reject(new Error(reply.error ?? 'request failed'));
        else if (replies && !replies[p.kind](reply.payload)) {
          onInvalid(m);
          p.reject(new Error(`malformed reply to ${p.kind}`));
        } else p.resolve(reply.payload);
      }
      return;
    }
    for (const h of handlers) h(m);
  });
  return {
    post: (message) => api.postMessage(message),
    request<K extends RequestName<Req>>(name: K, args: Req[K][0]): Promise<Req[K][1]> {
      const id = nextId++;
      return new Promise<Req[K][1]>((resolve, reject) => {
        pending.set(id, { kind: name, resolve: resolve as (v: unknown) => void, reject });
        api.postMessage({ kind: name, requestId: id, payload: args });
      });
    },
    onMessage: (h) => handlers.push(h),
    getState: <S>() => (api.getState() as S | undefined) ?? undefined,
    setState: (s) => api.setState(s),
  };
}

export interface PanelChannel<In, Out, S> {
  post(message: Out): void;
  onHostMessage(handler: (message: In) => void): void;
  /** The state saved before the panel was hidden, if any. */
  savedState(): S | undefined;
  /** Saves `snapshot()`: what must survive the panel being hidden. */
  persist(): void;
}

/** A panel's channel: malformed host messages are logged under the panel's name and dropped. */
export function panelChannel<In, Out, S>(panel: string, isValid: (m: unknown) => m is In, snapshot: () => S): PanelChannel<In, Out, S> {
  const channel = connect<In, Out>(isValid, (raw) => console.warn(`${panel}: ignored a malformed message`, raw));
  return {
    post: (message) => channel.post(message),
    onHostMessage: (handler) => channel.onMessage(handler),
    savedState: () => channel.getState<S>(),
    persist: () => channel.setState(snapshot()),
  };
}
