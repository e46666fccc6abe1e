import type {OperatorToHub, Visit, VisitorSummary} from '../protocol/index.js';
import type {Effects} from './commands.js';
import {clock} from './format.js';
import {mainRows} from './help.js';
import {activePane, ago, operatorRows, paneVisitorId, shortDate, visitorOf, visitorRows} from './selectors.js';
import {clean} from '../lib/sanitize.js';
import type {State} from './state.js';
import {host} from './visit-lines.js';

/**
 * The operator's dealings with people, outside the reducer: a visitor's earlier visits (Alt+V)
 * and chats (Alt+H), handing a chat to a colleague (transfer) and inviting a visitor to chat.
 */

function send(fx: Effects, frame: OperatorToHub): void {
  if (!fx.send(frame)) fx.dispatch({type: 'notice', text: 'not connected to the hub: try again when the status line says connected'});
}

const notice = (fx: Effects, text: string) => fx.dispatch({type: 'notice', text});

/** The visitor the operator means: the one selected on the Visitors list, else the active pane's. */
export function contextVisitorId(state: State): string | undefined {
  if (state.focus === 'visitors') return visitorRows(state)[state.selected.visitors]?.id;
  const pane = activePane(state);
  return pane?.history ? undefined : paneVisitorId(state, pane);
}

/** The history key shows only for a visitor who has chatted before. */
export function chattedBefore(state: State): boolean {
  const id = contextVisitorId(state);
  return (id ? visitorOf(state, id)?.chatsBefore ?? 0 : 0) > 0;
}

function withVisitor(state: State, fx: Effects, act: (visitorId: string) => void): void {
  const id = contextVisitorId(state);
  if (id) act(id);
  else notice(fx, 'select a visitor (or a visitor chat) first');
}

/** Alt+V: asks the hub for every visit of this visitor and shows them. */
export function showVisits(state: State, fx: Effects): void {
  withVisitor(state, fx, (visitorId) => {
    send(fx, {t: 'visitor.visits', visitorId});
    fx.dispatch({type: 'overlay', overlay: {kind: 'visits', visitorId, top: 0}});
  });
}

/** Alt+H: asks the hub for the visitor's earlier chats, one of which Enter opens. */
export function showHistory(state: State, fx: Effects): void {
  withVisitor(state, fx, (visitorId) => {
    send(fx, {t: 'visitor.chats', visitorId});
    fx.dispatch({type: 'overlay', overlay: {kind: 'history', visitorId, index: 0}});
  });
}


/** Every earlier visit, newest first: a line about it, then its pages. Sanitised. */
export function pastVisitLines(visits: Visit[] | undefined): string[] {
  if (!visits) return ['asking the hub...'];
  if (visits.length === 0) return ['no visits recorded'];
  return visits.flatMap((v) => {
    const pages = `${v.pages.length} page${v.pages.length === 1 ? '' : 's'}`;
    const from = v.referrer ? `from ${host(v.referrer)}` : 'came directly';
    const head = [shortDate(v.start), ago(v.end - v.start), pages, from, v.location ?? v.ip].join(' · ');
    return [clean(head), ...v.pages.map((p) => clean(`  ${clock(p.at)} ${p.title || '(no title)'}  ${p.url}`))];
  });
}

/** Rows the visits overlay shows below its title. */
export function visitsRoom(state: State): number {
  return Math.max(1, mainRows(state.size.rows) - 1);
}

/** Up/Down/PgUp/PgDn in the visits or history overlay: scroll the visits, move in the chats. */
export function overlayMove(state: State, by: number, fx: Effects): void {
  const o = state.overlay;
  if (o?.kind === 'visits') {
    const lines = pastVisitLines(state.pastVisits[o.visitorId]).length;
    const top = Math.max(0, Math.min(lines - visitsRoom(state), o.top + by));
    fx.dispatch({type: 'overlay', overlay: {...o, top}});
  } else if (o?.kind === 'history') {
    const count = state.pastChats[o.visitorId]?.length ?? 0;
    fx.dispatch({type: 'overlay', overlay: {...o, index: Math.max(0, Math.min(count - 1, o.index + by))}});
  }
}

/** Enter on an earlier chat: open it read-only and load its events. */
export function pickHistory(state: State, fx: Effects): void {
  if (state.overlay?.kind !== 'history') return;
  const chat = state.pastChats[state.overlay.visitorId]?.[state.overlay.index];
  if (!chat) return;
  fx.dispatch({type: 'openHistory', chat});
  send(fx, {t: 'chat.sync', chatId: chat.id, after: 0});
}

/** The history list's rows: when, who, what it began with. */
export function historyRows(state: State, visitorId: string): string[] | undefined {
  return state.pastChats[visitorId]?.map((c) => clean(`${shortDate(c.requestedAt)}  ${c.owner ?? '?'}  ${c.firstText ?? ''}`));
}

/** `/transfer NAME note`, or t on the operators list: offers my active chat to a colleague. */
export function transfer(state: State, chatId: string, to: string | undefined, note: string | undefined, fx: Effects): void {
  const name = to || (state.focus === 'operators' ? operatorRows(state)[state.selected.operators]?.name : undefined);
  if (!name) return notice(fx, 'usage: /transfer OPERATOR [note], or t on the operators list');
  send(fx, {t: 'chat.transfer', chatId, to: name, note: note ? note.slice(0, 200) : undefined});
  notice(fx, `offered the chat to ${name}; waiting for an answer`);
}

/** Alt+I or `/invite text`: opens the selected visitor's chat window with a greeting. */
export function invite(state: State, text: string | undefined, fx: Effects): void {
  const visitor: VisitorSummary | undefined = visitorRows(state)[state.selected.visitors];
  if (!visitor) return notice(fx, 'no visitor selected on the Visitors list');
  send(fx, {t: 'visitor.invite', visitorId: visitor.id, text: text ? text.slice(0, 200) : undefined});
  notice(fx, `invited ${clean(visitor.name) || `visitor ${visitor.id.slice(0, 6)}`} to chat`);
}

/** Esc on a popup: a chat offered to me is declined (it goes back to everyone), a request hidden. */
export function dismissPopup(state: State, fx: Effects): void {
  const chatId = state.popups[0]!;
  if (state.chats[chatId]?.offeredTo === state.myName) send(fx, {t: 'chat.decline', chatId});
  fx.dispatch({type: 'popupDismiss'});
}
