// The webview's side of the channel: acquireVsCodeApi() once, validate every incoming message
// with the panel's validator, and correlate request/reply by id.

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Channel<In, Out> {
  post(message: Out): void;
  request<R>(message: Out & { requestId?: number }): Promise<R>;
  onMessage(handler: (message: In) => void): void;
  getState<S>(): S | undefined;
  setState(state: unknown): void;
}

export function connect<In, Out>(isValid: (m: unknown) => m is In, onInvalid: (raw: unknown) => void): Channel<In, Out> {
  const api = acquireVsCodeApi();
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
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
        if (reply.ok) p.resolve(reply.payload);
        else p.reject(new Error(reply.error ?? 'request failed'));
      }
      return;
    }
    for (const h of handlers) h(m);
  });
  return {
    post: (message) => api.postMessage(message),
    request<R>(message: Out & { requestId?: number }): Promise<R> {
      const id = nextId++;
      return new Promise<R>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        api.postMessage({ ...message, requestId: id });
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
