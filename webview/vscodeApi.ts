/**
 * Typed wrapper around VS Code's `acquireVsCodeApi()` (callable once per page), shared by both views.
 * - `post` checks every outgoing message with the protocol's own validator before sending it.
 * - `onMessage` validates every incoming message with `parseToWebview`; bad ones are logged and dropped,
 *   and an exception in a handler is logged without killing the listener.
 * - `getState`/`patchState` persist small UI state (sort, filters, selection, scroll) across hide/show,
 *   so the views work without `retainContextWhenHidden`.
 */
import { parseFromWebview, parseToWebview, type FromWebviewMessage, type ToWebviewMessage } from '../src/protocol/messages';

interface RawVsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState<T>(state: T): T;
}

declare global {
  // Injected by VS Code into every webview (and by the fake host in test/webview).
  function acquireVsCodeApi(): RawVsCodeApi;
}

export interface Host<S extends object> {
  post(message: FromWebviewMessage): boolean;
  getState(): Partial<S>;
  patchState(patch: Partial<S>): void;
  onMessage(handler: (message: ToWebviewMessage) => void): () => void;
}

let raw: RawVsCodeApi | undefined;

function rawApi(): RawVsCodeApi {
  if (raw) return raw;
  if (typeof acquireVsCodeApi === 'function') {
    raw = acquireVsCodeApi();
  } else {
    // Opened outside VS Code (e.g. a plain browser): keep state in memory, log posts.
    let state: unknown;
    raw = {
      postMessage: (m) => console.info('[webview] post (no host)', m),
      getState: () => state,
      setState: <T>(s: T) => ((state = s), s),
    };
  }
  return raw;
}

export function createHost<S extends object>(viewName: string): Host<S> {
  const api = rawApi();
  let stateCache: Partial<S> = (() => {
    const s = api.getState();
    return typeof s === 'object' && s !== null ? (s as Partial<S>) : {};
  })();
  return {
    post(message) {
      const checked = parseFromWebview(message);
      if (!checked.ok) {
        console.error(`[${viewName}] refusing to post an invalid message: ${checked.reason}`, message);
        return false;
      }
      api.postMessage(checked.message);
      return true;
    },
    getState: () => stateCache,
    patchState(patch) {
      stateCache = { ...stateCache, ...patch };
      api.setState(stateCache);
    },
    onMessage(handler) {
      const listener = (event: MessageEvent) => {
        // Timings per phase (devtools: Performance > Timings): a view measures from here to its paint.
        performance.mark('message:received');
        const parsed = parseToWebview(event.data);
        if (!parsed.ok) {
          console.warn(`[${viewName}] dropped a host message: ${parsed.reason}`);
          return;
        }
        try {
          handler(parsed.message);
        } catch (err) {
          console.error(`[${viewName}] failed to handle '${parsed.message.type}':`, err);
        }
      };
      window.addEventListener('message', listener);
      return () => window.removeEventListener('message', listener);
    },
  };
}
