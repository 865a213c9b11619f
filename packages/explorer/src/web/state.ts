/** A tiny observable value for app-wide state (language, route), read by components through useSignal. */
import { useEffect, useState } from 'preact/hooks';

export interface Signal<T> {
  get(): T;
  set(value: T): void;
  subscribe(listener: (value: T) => void): () => void;
}

export function signal<T>(initial: T): Signal<T> {
  let value = initial;
  const listeners = new Set<(value: T) => void>();
  return {
    get: () => value,
    set(next) {
      value = next;
      for (const listener of listeners) listener(next);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useSignal<T>(s: Signal<T>): T {
  const [value, setValue] = useState(s.get());
  useEffect(() => s.subscribe(setValue), [s]);
  return value;
}

/** Runs an async load whenever `key` changes; the last answer wins. */
export function useLoad<T>(load: () => Promise<T>, key: string): { value?: T; error?: string } {
  const [state, setState] = useState<{ key: string; value?: T; error?: string }>({ key: '' });
  useEffect(() => {
    let live = true;
    setState({ key });
    load().then(
      (value) => live && setState({ key, value }),
      (error: unknown) => live && setState({ key, error: String((error as Error)?.message ?? error) }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return state.key === key ? state : {};
}
