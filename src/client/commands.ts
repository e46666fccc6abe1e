import {opChatId, type OperatorStatus, type OperatorToHub} from '../protocol/index.js';
import {slashBinding, slashCommand, type Command} from './keymap.js';
import {edit, line, type Edit} from './line-edit.js';
import {activePane, chatRows, enterTakesPopup, operatorRows, paneVisitorId} from './selectors.js';
import type {Action, Pane, Settings, State} from './state.js';
import {OPTIONS, toggleOption} from './options.js';
import {helpTop, mainRows} from './help.js';
import type {Task} from './tasks.js';
import * as tools from './tools.js';
import {dismissPopup, invite, overlayMove, pickHistory, showHistory, showVisits, transfer} from './people.js';

/** What commands may do outside the reducer; the app wires the real ones, tests fakes. */
export interface Effects {
  send(frame: OperatorToHub): boolean;
  dispatch(action: Action): void;
  saveSettings(settings: Settings): void;
  newId(): string;
  /** Files, clipboard, mail program: save, e-mail, copy (see tasks.ts). */
  task?(task: Task): void;
}

const STATUSES: OperatorStatus[] = ['online', 'away', 'offline'];

function send(fx: Effects, frame: OperatorToHub): void {
  if (!fx.send(frame)) fx.dispatch({type: 'notice', text: 'not connected to the hub: try again when the status line says connected'});
}

function openChatsCount(state: State): number {
  return state.panes.filter((p) => !p.closed).length;
}

function accept(state: State, fx: Effects, chatId: string): void {
  const chat = state.chats[chatId];
  if (chat?.state === 'active' && chat.owner === state.myName) fx.dispatch({type: 'openChat', chatId});
  else if (chat?.state === 'waiting') send(fx, {t: 'chat.accept', chatId});
  else if (chat?.owner) fx.dispatch({type: 'notice', text: `${chat.owner} has this chat`});
}

function ownedActive(state: State): string | undefined {
  const pane = activePane(state);
  if (!pane || pane.kind !== 'visitor' || pane.closed || pane.history) return undefined;
  return pane.chatId;
}

function withOwnChat(state: State, fx: Effects, act: (chatId: string) => void): void {
  const chatId = ownedActive(state);
  if (chatId) act(chatId);
  else fx.dispatch({type: 'notice', text: 'select one of your open visitor chats first'});
}

function submit(state: State, fx: Effects): void {
  const pane = activePane(state);
  if (!pane) return;
  const text = pane.draft.trim();
  if (!text) return;
  fx.dispatch({type: 'draft', text: ''});
  if (text.startsWith('/')) {
    slash(state, fx, text);
    return;
  }
  if (pane.closed) {
    fx.dispatch({type: 'notice', text: `${pane.closed}: nothing was sent (Alt+W closes the pane)`});
    fx.dispatch({type: 'draft', text: pane.draft});
    return;
  }
  const url = pane.kind === 'visitor' ? URL_IN_TEXT.exec(text)?.[0] : undefined;
  if (url) {
    // As the manual has it: a typed address may also be pushed to the visitor's browser.
    const question = `Send ${url.slice(0, 40)} as a link that opens in the visitor's browser? (y/N)`;
    fx.dispatch({type: 'overlay', overlay: {kind: 'confirm', what: 'link', chatId: pane.chatId, question, text, url}});
    return;
  }
  sendText(state, fx, pane.chatId, text);
}

/** http(s)://…, www.…, or a page name such as order.htm. */
const URL_IN_TEXT = /\b(?:https?:\/\/\S+|www\.\S+\.\S+|[\w-]+\.html?\b)/i;

function sendText(state: State, fx: Effects, chatId: string, text: string): void {
  const pane = state.panes.find((p) => p.chatId === chatId);
  if (!pane) return;
  const id = fx.newId();
  fx.dispatch({type: 'sending', chatId: pane.chatId, id, text, peer: pane.peer});
  if (pane.kind === 'op') send(fx, {t: 'op.msg', id, to: pane.peer!, text});
  else {
    send(fx, {t: 'msg', id, chatId: pane.chatId, text});
    fx.send({t: 'typing', chatId: pane.chatId, typing: false});
  }
}

/**
 * Slash commands: every key action also has one, for terminals where a key does not arrive. They
 * are read from the key table like the keys: `/leave` runs what Alt+L runs.
 */
export function slash(state: State, fx: Effects, line: string): void {
  const [word = '', ...rest] = line.slice(1).split(/\s+/);
  const binding = slashBinding(word);
  if (!binding) return fx.dispatch({type: 'notice', text: `unknown command /${word}: F1 lists them`});
  run(state, slashCommand(binding, rest.join(' ')), fx);
}

function enter(state: State, fx: Effects): void {
  const popup = state.popups[0];
  if (popup && enterTakesPopup(state)) return accept(state, fx, popup);
  if (state.focus === 'chats') {
    const chat = chatRows(state)[state.selected.chats];
    if (chat) accept(state, fx, chat.id);
  } else if (state.focus === 'operators') {
    const op = operatorRows(state)[state.selected.operators];
    if (op) fx.dispatch({type: 'openOpChat', peer: op.name, chatId: opChatId(state.myName, op.name)});
  } else if (state.focus === 'pane') {
    if (popup && !activePane(state)?.draft.trim()) return accept(state, fx, popup);
    submit(state, fx);
  }
}

type Handler<C extends Command['c']> = (state: State, command: Extract<Command, {c: C}>, fx: Effects) => void;

/** What each command does: a command of the key table without a handler here does not compile. */
const HANDLERS: {[C in Command['c']]: Handler<C>} = {
  focusNext: (state, _command, fx) => tools.expandShortcut(state, fx) || fx.dispatch({type: 'focusStep', dir: 1}),
  focusPrev: (_state, _command, fx) => fx.dispatch({type: 'focusStep', dir: -1}),
  pane: (_state, command, fx) => fx.dispatch({type: 'pane', index: command.index}),
  paneNext: (_state, _command, fx) => fx.dispatch({type: 'paneStep', dir: 1}),
  panePrev: (_state, _command, fx) => fx.dispatch({type: 'paneStep', dir: -1}),
  enter: (state, _command, fx) => (state.overlay?.kind === 'options' ? options(state, fx) : tools.enterTool(state, fx) || enter(state, fx)),
  escape(state, _command, fx) {
    if (state.overlay?.kind === 'options' && state.overlay.editing) {
      return fx.dispatch({type: 'overlay', overlay: {kind: 'options', index: state.overlay.index}});
    }
    if (state.overlay) return fx.dispatch({type: 'overlay'});
    if (state.popups.length > 0) return dismissPopup(state, fx);
    return fx.dispatch({type: 'notice'});
  },
  help: (_state, _command, fx) => fx.dispatch({type: 'overlay', overlay: {kind: 'help'}}),
  options: (_state, _command, fx) => fx.dispatch({type: 'overlay', overlay: {kind: 'options', index: 0}}),
  leave: (state, _command, fx) => withOwnChat(state, fx, (chatId) => send(fx, {t: 'chat.leave', chatId})),
  end: (state, _command, fx) => withOwnChat(state, fx, (chatId) => send(fx, {t: 'chat.end', chatId})),
  block: (state, _command, fx) =>
    withOwnChat(state, fx, (chatId) =>
      fx.dispatch({type: 'overlay', overlay: {kind: 'confirm', what: 'block', chatId, question: 'Block this visitor for the rest of the day? (y/N)'}}),
    ),
  close(state, _command, fx) {
    const pane = activePane(state);
    if (!pane) return;
    if (ownedActive(state)) send(fx, {t: 'chat.leave', chatId: pane.chatId});
    fx.dispatch({type: 'closePane', chatId: pane.chatId});
  },
  status(state, _command, fx) {
    const now = state.me?.status ?? 'online';
    send(fx, {t: 'status', status: STATUSES[(STATUSES.indexOf(now) + 1) % STATUSES.length]!});
  },
  setStatus(_state, command, fx) {
    const status = STATUSES.find((s) => s === command.status || s.replace('line', '-line') === command.status);
    if (status) send(fx, {t: 'status', status});
    else fx.dispatch({type: 'notice', text: 'usage: /status online|away|offline'});
  },
  operators: (_state, _command, fx) => fx.dispatch({type: 'focus', focus: 'operators'}),
  msg(state, {to, text}, fx) {
    if (!to || !text) return fx.dispatch({type: 'notice', text: 'usage: /msg OPERATOR text'});
    const id = fx.newId();
    fx.dispatch({type: 'sending', chatId: opChatId(state.myName, to), id, text, peer: to});
    send(fx, {t: 'op.msg', id, to, text});
  },
  scroll(state, command, fx) {
    if (state.overlay?.kind === 'help') return scrollHelp(state, state.overlay.top, -command.pages * (mainRows(state.size.rows) - 2), fx);
    fx.dispatch({type: 'scroll', pages: command.pages});
  },
  up: (state, _command, fx) => move(state, -1, fx),
  down: (state, _command, fx) => move(state, 1, fx),
  quit(state, _command, fx) {
    if (openChatsCount(state) === 0) return fx.dispatch({type: 'quit'});
    fx.dispatch({type: 'overlay', overlay: {kind: 'confirm', what: 'quit', question: `Quit with ${openChatsCount(state)} chat(s) open? (y/N)`}});
  },
  answer(state, command, fx) {
    fx.dispatch({type: 'overlay'});
    if (tools.answerTool(state, command.yes, fx)) return;
    if (state.overlay?.kind === 'confirm' && state.overlay.what === 'link') {
      const {chatId = '', text = '', url = ''} = state.overlay;
      sendText(state, fx, chatId, text);
      if (command.yes) send(fx, {t: 'link.send', id: fx.newId(), chatId, url});
      return;
    }
    if (!command.yes || state.overlay?.kind !== 'confirm') return;
    if (state.overlay.what === 'quit') return fx.dispatch({type: 'quit'});
    if (state.overlay.what === 'block' && state.overlay.chatId) send(fx, {t: 'chat.block', chatId: state.overlay.chatId});
  },
  type(state, command, fx) {
    const pane = activePane(state);
    if (state.overlay?.kind === 'options') return editOption(state, {op: 'insert', text: command.text}, fx);
    if (tools.editTool(state, {op: 'insert', text: command.text}, fx)) return;
    if (pane?.history) return fx.dispatch({type: 'notice', text: 'an earlier chat is read-only (Alt+W closes it)'});
    if (pane && pane.kind === 'visitor' && !pane.closed && !pane.draft) fx.send({t: 'typing', chatId: pane.chatId, typing: true});
    editDraft(pane, {op: 'insert', text: command.text}, fx);
  },
  edit(state, command, fx) {
    if (state.overlay?.kind === 'options') return editOption(state, command.edit, fx);
    if (tools.editTool(state, command.edit, fx)) return;
    editDraft(activePane(state), command.edit, fx);
  },
  details(state, _command, fx) {
    const pane = activePane(state);
    const visitorId = paneVisitorId(state, pane);
    if (!visitorId) return fx.dispatch({type: 'notice', text: 'visit details are for visitor chats'});
    // Opening asks the hub afresh, so the page list is never stale.
    if (!pane!.showDetails) fx.send({t: 'visitor.details', visitorId});
    fx.dispatch({type: 'toggleDetails'});
  },
  // The address is typed after it; Enter sends it through the /link command.
  linkPrompt: (state, _command, fx) => withOwnChat(state, fx, () => fx.dispatch({type: 'draft', text: '/link '})),
  link(state, {url}, fx) {
    if (url) withOwnChat(state, fx, (chatId) => send(fx, {t: 'link.send', id: fx.newId(), chatId, url}));
    else fx.dispatch({type: 'notice', text: 'usage: /link URL'});
  },
  // Canned responses, transcripts, the offline messages inbox (tools.ts).
  canned: (state, {filter}, fx) => tools.openCanned(state, filter, fx),
  save: (state, {arg}, fx) => tools.save(state, arg, fx),
  email: (state, {to}, fx) => tools.email(state, to, fx),
  copy: (state, _command, fx) => tools.copy(state, fx),
  messages: (_state, _command, fx) => fx.dispatch({type: 'overlay', overlay: {kind: 'messages', index: 0}}),
  delete: (state, _command, fx) => tools.remove(state, fx),
  // People: earlier visits and chats, transfer, invite.
  visits: (state, _command, fx) => showVisits(state, fx),
  history: (state, _command, fx) => showHistory(state, fx),
  overlayMove: (state, {by}, fx) => overlayMove(state, by, fx),
  pick: (state, _command, fx) => pickHistory(state, fx),
  transfer: (state, {to, note}, fx) => withOwnChat(state, fx, (chatId) => transfer(state, chatId, to, note, fx)),
  invite: (state, {text}, fx) => invite(state, text, fx),
};

function scrollHelp(state: State, top: number | undefined, by: number, fx: Effects): void {
  fx.dispatch({type: 'overlay', overlay: {kind: 'help', top: helpTop(state, (top ?? 0) + by)}});
}

function move(state: State, by: 1 | -1, fx: Effects): void {
  if (state.overlay?.kind === 'help') return scrollHelp(state, state.overlay.top, by, fx);
  if (tools.moveTool(state, by, fx)) return;
  if (state.overlay?.kind === 'options') {
    const index = Math.max(0, Math.min(tools.optionRows(state) - 1, state.overlay.index + by));
    return fx.dispatch({type: 'overlay', overlay: {kind: 'options', index}});
  }
  fx.dispatch({type: 'select', delta: by});
}

/** Carries out one command against the current state. */
export function run(state: State, command: Command, fx: Effects): void {
  (HANDLERS[command.c] as Handler<Command['c']>)(state, command, fx);
}

function editDraft(pane: Pane | undefined, change: Edit, fx: Effects): void {
  if (!pane) return;
  const next = edit(line(pane.draft, pane.cursor), change);
  fx.dispatch({type: 'draft', text: next.text, cursor: next.cursor});
}

function editOption(state: State, change: Edit, fx: Effects): void {
  if (state.overlay?.kind !== 'options' || !state.overlay.editing) return;
  fx.dispatch({type: 'overlay', overlay: {...state.overlay, editing: edit(state.overlay.editing, change)}});
}

function options(state: State, fx: Effects): void {
  if (state.overlay?.kind !== 'options') return;
  const {index, editing} = state.overlay;
  if (tools.cannedOption(state, index, fx)) return;
  const text = OPTIONS[index]?.text;
  if (text && !editing) {
    return fx.dispatch({type: 'overlay', overlay: {kind: 'options', index, editing: line(text.get(state.settings))}});
  }
  const settings = text && editing ? text.set(state.settings, editing.text) : toggleOption(state.settings, index);
  if (editing) fx.dispatch({type: 'overlay', overlay: {kind: 'options', index}});
  fx.dispatch({type: 'settings', settings});
  fx.saveSettings(settings);
}
