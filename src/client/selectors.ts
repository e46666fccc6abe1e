import type {ChatSummary, OperatorSummary, VisitorSummary} from '../protocol/index.js';
import {clean} from '../lib/sanitize.js';
import type {Pane, State} from './state.js';

/**
 * Derived views of the state, shared by the reducer (selection bounds), the commands (what Enter
 * acts on) and the components (what to draw). Memoised on the source object, because with a
 * thousand visitors sorting on every keystroke would be wasted work.
 */
function memo<K extends object, V>(fn: (key: K, extra: string) => V): (key: K, extra?: string) => V {
  const cache = new WeakMap<K, {extra: string; value: V}>();
  return (key, extra = '') => {
    const hit = cache.get(key);
    if (hit && hit.extra === extra) return hit.value;
    const value = fn(key, extra);
    cache.set(key, {extra, value});
    return value;
  };
}

const sortVisitors = memo((visitors: Record<string, VisitorSummary>) =>
  Object.values(visitors).sort((a, b) => a.since - b.since || a.id.localeCompare(b.id)),
);

/** Visitors on my sites, longest on site first. */
export function visitorRows(state: State): VisitorSummary[] {
  return sortVisitors(state.visitors);
}

const rank = (c: ChatSummary, me: string) => (c.state === 'waiting' ? 0 : c.owner === me ? 1 : 2);

const sortChats = memo((chats: Record<string, ChatSummary>, me: string) =>
  Object.values(chats)
    .filter((c) => c.kind === 'visitor' && c.state !== 'ended')
    .sort((a, b) => rank(a, me) - rank(b, me) || a.requestedAt - b.requestedAt),
);

/** Chatting visitors: waiting ones (longest wait first), then mine, then other operators'. */
export function chatRows(state: State): ChatSummary[] {
  return sortChats(state.chats, state.myName);
}

const sortOperators = memo((ops: Record<string, OperatorSummary>) =>
  Object.values(ops).sort((a, b) => a.name.localeCompare(b.name)),
);

export function operatorRows(state: State): OperatorSummary[] {
  return sortOperators(state.operators);
}

export function listLength(state: State, list: 'visitors' | 'chats' | 'operators'): number {
  if (list === 'visitors') return visitorRows(state).length;
  if (list === 'chats') return chatRows(state).length;
  return operatorRows(state).length;
}

/**
 * Whether Enter takes the popup's chat: a popup is up, a list has the focus (in a pane Enter sends
 * the line), and the operator has not chosen a row on the lists since it rang (`picking`).
 */
export function enterTakesPopup(state: State): boolean {
  return state.popups.length > 0 && state.focus !== 'pane' && !state.picking;
}

export function activePane(state: State): Pane | undefined {
  return state.panes[state.active];
}

/** "Vera" or "visitor 3f9a2c" for a chat: names are visitor-supplied, so callers sanitise. */
export function chatTitle(state: State, chatId: string): string {
  const chat = state.chats[chatId];
  const pane = state.panes.find((p) => p.chatId === chatId);
  if (pane?.history) return historyTitle(pane);
  if (pane?.kind === 'op' || chat?.kind === 'op') {
    const peer = pane?.peer ?? chat?.members?.find((m) => m !== state.myName) ?? '?';
    return `@${state.operators[peer]?.displayName ?? peer}`;
  }
  const id = chat?.visitorId ?? pane?.visitor?.id;
  const name = chat?.visitorName ?? pane?.visitor?.name ?? (id ? visitorOf(state, id)?.name : undefined);
  if (name) return name;
  return id ? `visitor ${id.slice(0, 6)}` : `chat ${chatId.slice(0, 6)}`;
}

/** The visitor of a visitor chat's pane: the chat's, or the one the pane kept once it ended. */
export function paneVisitorId(state: State, pane: Pane | undefined): string | undefined {
  if (pane?.kind !== 'visitor') return undefined;
  return state.chats[pane.chatId]?.visitorId ?? pane.visitor?.id;
}

/** A visitor on the lists, or one who has left with a pane of theirs still open. */
export function visitorOf(state: State, id: string): VisitorSummary | undefined {
  return state.visitors[id] ?? state.departed[id];
}

/** "Vera" or "visitor 3f9a2c" for a visitor, made safe for the terminal (names are the visitor's). */
export function visitorLabel(state: State, visitorId: string): string {
  // A name typed with the chat request reaches the chat before the visitor's summary.
  const named = visitorOf(state, visitorId)?.name ?? Object.values(state.chats).find((c) => c.visitorId === visitorId)?.visitorName;
  return clean(named) || `visitor ${visitorId.slice(0, 6)}`;
}

/** "3m", "1h05" — compact durations for the lists. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, '0')}`;
}

/** The other operator in an operator-to-operator chat id ("op~alice~bob"). */
export function opPeer(chatId: string, me: string): string | undefined {
  if (!chatId.startsWith('op~')) return undefined;
  const [, a, b] = chatId.split('~');
  return a === me ? b : a;
}

/** "12 Mar 14:05", when an earlier visit or chat was. */
export function shortDate(at: number): string {
  const d = new Date(at);
  const month = d.toLocaleString('en-GB', {month: 'short'});
  return `${d.getDate()} ${month} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** An earlier chat's tab: its date and the operators who took part ("12 Mar alice,bob"). */
export function historyTitle(pane: Pane): string {
  const joined = pane.events.filter((e) => e.kind === 'join' && e.from === 'operator').map((e) => e.name);
  const names = [...new Set(joined.length > 0 ? joined : [pane.history?.owner ?? '?'])];
  return `${shortDate(pane.history?.at ?? 0).replace(/ \d\d:\d\d$/, '')} ${names.join(',')}`;
}

/** Whom a canned response is for, as its operator is told ("adding ..." when sent, "added ..." once stored). */
export function cannedFor(personal: boolean): string {
  return personal ? 'for you' : 'for the team';
}
