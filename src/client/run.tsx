import {randomUUID} from 'node:crypto';
import {homedir} from 'node:os';
import {render} from 'ink';
import {App} from './app.js';
import {saveConfig, loadConfig} from './config.js';
import {Connection} from './connection.js';
import {historyToAsk, paneStart, resumeSeq} from './pane-events.js';
import type {Effects} from './commands.js';
import {notificationText} from '../lib/sanitize.js';
import {initialState, type Settings} from './state.js';
import {createStore} from './store.js';
import {Tasks} from './tasks.js';

export interface ClientOptions {
  hub: string;
  operator: string;
  token: string;
  settings: Settings;
  /** Where settings changed on the options screen are saved (none: not saved). */
  configPath?: string;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

/** Runs the operator client full-screen until the operator quits. */
export async function runClient(options: ClientOptions): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  const store = createStore({
    ...initialState(options.hub, options.operator, options.settings),
    size: {cols: stdout.columns || 80, rows: stdout.rows || 24},
  });
  const connection = new Connection({
    hub: options.hub,
    operator: options.operator,
    token: options.token,
    dispatch: (action) => {
      const before = store.getState().panes;
      store.dispatch(action);
      for (const ask of historyToAsk(before, store.getState().panes)) connection.send({t: 'chat.sync', chatId: ask.chatId, after: ask.after});
      if (action.type === 'hub') void tasks.onFrame(action.frame);
    },
    lastSeq: () => Object.fromEntries(store.getState().panes.map((p) => [p.chatId, resumeSeq(p.events, paneStart(p))])),
  });
  // Save, e-mail, copy: files, the clipboard and the mail program, outside the reducer.
  const tasks = new Tasks({
    send: (frame) => connection.send(frame),
    dispatch: store.dispatch,
    getState: store.getState,
    io: {
      home: homedir(),
      env: process.env,
      platform: process.platform,
      open: async (path) => (await import('open')).default(path, {wait: false}),
      copy: async (text) => (await import('clipboardy')).default.write(text),
      terminal: (data) => stdout.write(data),
    },
  });
  const fx: Effects = {
    task: (task) => void tasks.run(task),
    send: (frame) => connection.send(frame),
    dispatch: store.dispatch,
    newId: () => randomUUID(),
    saveSettings: (settings) => {
      if (!options.configPath) return;
      const path = options.configPath;
      loadConfig(path)
        .then((config) => saveConfig({...config, settings}, path))
        .catch((error: unknown) => store.dispatch({type: 'notice', text: `could not save settings: ${String(error)}`}));
    },
  };

  // Bell and desktop notification: written straight to the terminal, once per alert.
  let rung = 0;
  const unsubscribe = store.subscribe(() => {
    const {alert, settings} = store.getState();
    if (alert.n === rung) return;
    rung = alert.n;
    if (alert.request ? settings.bell : settings.messageBell) stdout.write('\x07');
    const text = notificationText(alert.text);
    if (settings.notify === 'osc9') stdout.write(`\x1b]9;${text}\x07`);
    if (settings.notify === 'osc777') stdout.write(`\x1b]777;notify;cac;${text}\x07`);
  });

  // ink has already redrawn at the old size by now (its listener came first), and a terminal
  // that reflowed the old frame leaves debris: wipe the screen, then draw afresh at the new size.
  let instance: ReturnType<typeof render> | undefined;
  const onResize = () => {
    stdout.write('\x1b[2J\x1b[H');
    instance?.clear();
    store.dispatch({type: 'resize', cols: stdout.columns, rows: stdout.rows});
  };
  const tick = setInterval(() => store.dispatch({type: 'tick', now: Date.now()}), 1000);

  // The alternate screen keeps the operator's shell scrollback as it was.
  stdout.write('\x1b[?1049h\x1b[H\x1b[2J');
  instance = render(<App store={store} fx={fx} configPath={options.configPath} />, {stdout, stdin, exitOnCtrlC: false});
  stdout.on('resize', onResize);
  connection.start();

  const restore = () => stdout.write('\x1b[?1049l\x1b[?25h');
  process.once('exit', restore);
  await new Promise<void>((resolve) => {
    const stop = store.subscribe(() => {
      if (!store.getState().quit) return;
      stop();
      resolve();
    });
    for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.once(signal, () => store.dispatch({type: 'quit'}));
  });
  unsubscribe();
  clearInterval(tick);
  stdout.off('resize', onResize);
  connection.stop();
  instance.unmount();
  await instance.waitUntilExit().catch(() => {});
  restore();
}
