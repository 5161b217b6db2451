/**
 * One 'abort' listener per AbortSignal, however many calls share it. A request-scoped signal is often
 * passed to dozens of concurrent calls; a listener each would trip Node's MaxListenersExceededWarning
 * (and look like a leak). Calls subscribe here instead; the signal's only listener is removed as soon
 * as the last subscribed call settles.
 */
const subscribers = new WeakMap<AbortSignal, Set<() => void>>();

function dispatch(this: AbortSignal): void {
  const callbacks = subscribers.get(this);
  subscribers.delete(this);
  callbacks?.forEach((callback) => callback());
}

/** Calls `callback` once if `signal` aborts; the returned function unsubscribes (idempotent). */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let callbacks = subscribers.get(signal);
  if (!callbacks) {
    callbacks = new Set();
    subscribers.set(signal, callbacks);
    signal.addEventListener('abort', dispatch, { once: true });
  }
  // A wrapper per subscription, so that one callback subscribed twice is two subscriptions.
  const subscription = () => callback();
  callbacks.add(subscription);
  return () => {
    const current = subscribers.get(signal);
    if (!current?.delete(subscription) || current.size > 0) return;
    subscribers.delete(signal);
    signal.removeEventListener('abort', dispatch);
  };
}
