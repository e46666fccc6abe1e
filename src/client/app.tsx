import {useInput, useStdin} from 'ink';
import {useEffect, useSyncExternalStore} from 'react';
import {run, type Effects} from './commands.js';
import {Screen} from './components/Screen.js';
import {isF1, keyToCommand, splitLines, type KeyPress} from './keymap.js';
import type {Store} from './store.js';

export interface AppProps {
  store: Store;
  fx: Effects;
  configPath?: string;
}

const F1: KeyPress = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false, f1: true,
};

/** One key press: looked up in the key table for where the operator is, then carried out. */
function press(store: Store, fx: Effects, input: string, key: KeyPress): void {
  const now = store.getState();
  const command = keyToCommand(input, key, {
    focus: now.focus,
    overlay: now.overlay?.kind,
    editing: now.overlay?.kind === 'options' && now.overlay.editing !== undefined,
  });
  if (command) run(now, command, fx);
}

/** Draws the state and turns keys into commands; everything else lives outside React. */
export function App({store, fx, configPath}: AppProps) {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const {internal_eventEmitter: events} = useStdin();

  useInput((input, key) => {
    for (const [part, partKey] of splitLines(input, key)) press(store, fx, part, partKey);
  });

  // ink gives F1 no name of its own; read the raw sequence, then look it up like any key.
  useEffect(() => {
    const onInput = (data: string) => {
      if (isF1(data)) press(store, fx, '', F1);
    };
    events?.on('input', onInput);
    return () => {
      events?.removeListener('input', onInput);
    };
  }, [events, fx]);

  return <Screen state={state} configPath={configPath} />;
}
