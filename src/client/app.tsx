import {useInput, useStdin} from 'ink';
import {useEffect, useSyncExternalStore} from 'react';
import {run, type Effects} from './commands.js';
import {Screen} from './components/Screen.js';
import {isF1, keyToCommand, splitLines} from './keymap.js';
import type {Store} from './store.js';

export interface AppProps {
  store: Store;
  fx: Effects;
  configPath?: string;
}

/** Draws the state and turns keys into commands; everything else lives outside React. */
export function App({store, fx, configPath}: AppProps) {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const {internal_eventEmitter: events} = useStdin();

  useInput((input, key) => {
    for (const [part, partKey] of splitLines(input, key)) {
      const now = store.getState();
      const command = keyToCommand(part, partKey, {
        focus: now.focus,
        overlay: now.overlay?.kind,
        editing: now.overlay?.kind === 'options' && now.overlay.editing !== undefined,
      });
      if (command) run(now, command, fx);
    }
  });

  // ink gives F1 no name of its own; read the raw sequence.
  useEffect(() => {
    const onInput = (data: string) => {
      if (isF1(data)) fx.dispatch({type: 'overlay', overlay: {kind: 'help'}});
    };
    events?.on('input', onInput);
    return () => {
      events?.removeListener('input', onInput);
    };
  }, [events, fx]);

  return <Screen state={state} configPath={configPath} />;
}
