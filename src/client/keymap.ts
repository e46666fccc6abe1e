import type {Key} from 'ink';
import type {Edit} from './line-edit.js';
import type {Focus, Overlay} from './state.js';

/** What a key means; the app turns commands into reducer actions and hub frames. */
export type Command =
  | {c: 'focusNext'}
  | {c: 'focusPrev'}
  | {c: 'pane'; index: number}
  | {c: 'paneNext'}
  | {c: 'panePrev'}
  | {c: 'enter'}
  | {c: 'escape'}
  | {c: 'help'}
  | {c: 'leave'}
  | {c: 'end'}
  | {c: 'block'}
  | {c: 'close'}
  | {c: 'status'}
  | {c: 'operators'}
  | {c: 'options'}
  | {c: 'scroll'; pages: number}
  | {c: 'up'}
  | {c: 'down'}
  | {c: 'quit'}
  | {c: 'type'; text: string}
  | {c: 'edit'; edit: Edit}
  | {c: 'answer'; yes: boolean}
  | {c: 'linkPrompt'}
  | {c: 'details'};

export interface Binding {
  keys: string;
  what: string;
  slash?: string;
  /** Where the key bar shows it. */
  where: Array<Focus | 'popup'>;
}

/**
 * The key table: the help overlay, the key bar and the README are all read from here. Alt+letter
 * arrives as Esc then the letter, so it works over SSH and in tmux; Ctrl+N/Ctrl+P are there for
 * terminals that do not send Alt.
 */
export const BINDINGS: Binding[] = [
  {keys: 'Enter', what: 'start chatting (popup or waiting chat)', where: ['popup', 'chats']},
  {keys: 'Esc', what: 'close popup, help or menu', where: ['popup']},
  {keys: 'Tab/S-Tab', what: 'move focus: visitors, chats, operators, panes', where: ['visitors', 'chats', 'operators', 'pane']},
  {keys: 'Up/Down', what: 'move in a list', where: ['visitors', 'chats', 'operators']},
  {keys: 'Enter', what: 'chat with the selected operator', where: ['operators']},
  {keys: 'Enter', what: 'send the message (or /command)', where: ['pane']},
  {keys: 'Alt+1..9 Alt+←/→', what: 'jump to pane 1..9; previous / next pane (also Ctrl+P/N)', where: ['pane']},
  {keys: 'PgUp/PgDn', what: 'scroll the chat history', where: ['pane']},
  {keys: '←/→ Home/End', what: 'edit the line; Ctrl+A/E/D/W/U: start, end, del, word, clear', where: []},
  {keys: 'Alt+L', what: 'leave this chat (it waits for others again)', slash: '/leave', where: ['pane']},
  {keys: 'Alt+X', what: 'end this chat', slash: '/end', where: ['pane']},
  {keys: 'Alt+B', what: 'block the visitor for the rest of the day (asks)', slash: '/block', where: ['pane']},
  {keys: 'Alt+W', what: 'close the pane (leaves the chat if it is yours)', slash: '/close', where: ['pane']},
  {keys: 'Alt+T', what: 'my status: on-line, away, off-line', slash: '/status online|away|offline', where: ['visitors', 'chats', 'operators']},
  {keys: 'Alt+O', what: 'other operators (Enter chats with one)', slash: '/msg NAME text', where: ['visitors', 'chats']},
  {keys: 'Alt+P', what: 'options (bell, notifications, preview, save folder)', slash: '/options', where: []},
  {keys: 'F1 or ?', what: 'this help', slash: '/help', where: ['visitors', 'chats', 'operators', 'pane']},
  {keys: 'Alt+D', what: 'visit details: location, browser, referrer, every page (refreshes)', slash: '/details', where: ['pane']},
  {keys: 'Alt+K', what: 'send a link that opens in the visitor\'s browser', slash: '/link URL', where: ['pane']},
  {keys: 'Ctrl+C', what: 'quit (asks while chats are open)', slash: '/quit', where: ['visitors', 'chats', 'operators']},
];

export interface KeyContext {
  focus: Focus;
  overlay?: Overlay['kind'];
  /** A text option (the save folder) is being typed on the options screen. */
  editing?: boolean;
}

const ALT: Record<string, Command> = {
  l: {c: 'leave'},
  x: {c: 'end'},
  b: {c: 'block'},
  w: {c: 'close'},
  t: {c: 'status'},
  o: {c: 'operators'},
  p: {c: 'options'},
  k: {c: 'linkPrompt'},
  d: {c: 'details'},
};

/** Maps one key press (as ink reports it) to a command in the current context. */
export function keyToCommand(input: string, key: Key, ctx: KeyContext): Command | undefined {
  if (input === 'c' && key.ctrl) return ctx.overlay === 'confirm' ? {c: 'answer', yes: false} : {c: 'quit'};
  if (ctx.overlay === 'confirm') return {c: 'answer', yes: input === 'y' || input === 'Y'};
  if (key.escape && !input) return {c: 'escape'};
  if (ctx.overlay === 'help') return input === 'q' || input === '?' ? {c: 'escape'} : undefined;
  if (ctx.overlay === 'options') {
    if (ctx.editing) return key.return ? {c: 'enter'} : lineEditKey(input, key);
    if (key.upArrow) return {c: 'up'};
    if (key.downArrow) return {c: 'down'};
    if (key.return || input === ' ') return {c: 'enter'};
    return input === 'q' ? {c: 'escape'} : undefined;
  }
  if (key.tab) return key.shift ? {c: 'focusPrev'} : {c: 'focusNext'};
  if (key.meta && /^[1-9]$/.test(input)) return {c: 'pane', index: Number(input) - 1};
  if (key.meta && key.leftArrow) return {c: 'panePrev'};
  if (key.meta && key.rightArrow) return {c: 'paneNext'};
  if (key.meta && ALT[input.toLowerCase()]) return ALT[input.toLowerCase()];
  if (key.ctrl && input === 'n') return {c: 'paneNext'};
  if (key.ctrl && input === 'p') return {c: 'panePrev'};
  if (key.pageUp) return {c: 'scroll', pages: 1};
  if (key.pageDown) return {c: 'scroll', pages: -1};
  if (key.return) return {c: 'enter'};
  if (ctx.focus !== 'pane') {
    if (key.upArrow || input === 'k') return {c: 'up'};
    if (key.downArrow || input === 'j') return {c: 'down'};
    if (input === '?') return {c: 'help'};
    return undefined;
  }
  return lineEditKey(input, key);
}

/** Keys that edit a line of text: the message line, or a text option. */
function lineEditKey(input: string, key: Key): Command | undefined {
  // Most terminals send DEL for Backspace, which ink names "delete": both erase backwards;
  // Ctrl+D erases forwards, as in a shell.
  if (key.backspace || key.delete) return {c: 'edit', edit: key.meta ? {op: 'deleteWord'} : {op: 'backspace'}};
  if (key.ctrl && input === 'd') return {c: 'edit', edit: {op: 'deleteForward'}};
  if (key.ctrl && input === 'u') return {c: 'edit', edit: {op: 'clear'}};
  if (key.ctrl && input === 'w') return {c: 'edit', edit: {op: 'deleteWord'}};
  if (key.leftArrow) return {c: 'edit', edit: key.ctrl ? {op: 'wordLeft'} : {op: 'left'}};
  if (key.rightArrow) return {c: 'edit', edit: {op: 'right'}};
  if (key.home || (key.ctrl && input === 'a')) return {c: 'edit', edit: {op: 'home'}};
  if (key.end || (key.ctrl && input === 'e')) return {c: 'edit', edit: {op: 'end'}};
  if (key.ctrl || key.meta || !input) return undefined;
  return {c: 'type', text: input.replace(/[\r\n\t]+/g, ' ')};
}

/**
 * Text and Enter that arrive in one read (a paste, tmux send-keys, a fast typist over a slow
 * link) come as one chunk that ink does not call a return: split it into typed text and Enters.
 */
export function splitLines(input: string, key: Key): Array<[string, Key]> {
  if (input.length < 2 || key.ctrl || key.meta || !/[\r\n]/.test(input)) return [[input, key]];
  const parts: Array<[string, Key]> = [];
  const segments = input.split(/\r\n|\r|\n/);
  segments.forEach((segment, i) => {
    if (segment) parts.push([segment, {...key, return: false}]);
    if (i < segments.length - 1) parts.push(['', {...key, return: true}]);
  });
  return parts;
}

/** F1 reaches us as a raw sequence ink does not name: xterm, VT100 and Linux console forms. */
export function isF1(raw: string): boolean {
  return raw === '\x1bOP' || raw === '\x1b[11~' || raw === '\x1b[[A' || raw === '\x1b[1P';
}
