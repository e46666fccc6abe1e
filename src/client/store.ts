import {reducer} from './reducer.js';
import type {Action, State} from './state.js';

/**
 * Holds the one client state outside React, so a burst of keys (ink hands a pasted line over
 * key by key in one tick) and hub frames each see the state the previous one left, not the
 * last rendered one. React reads it through useSyncExternalStore.
 */
export interface Store {
  getState(): State;
  dispatch(action: Action): void;
  subscribe(listener: () => void): () => void;
}

export function createStore(initial: State): Store {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reducer(state, action);
      if (next === state) return;
      state = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
