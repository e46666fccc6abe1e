import type {ChatEvent, ChatSummary, HubToOperator, VisitorSummary} from '../protocol/index.js';
import {cannedFor, chatTitle, opPeer} from './selectors.js';
import {freshEvents, holds, withEvents} from './pane-events.js';
import {applyPeopleFrame} from './reducer-people.js';
import {clean} from '../lib/sanitize.js';
import type {Pane, State} from './state.js';

/** The part of the one client reducer that applies frames from the hub. */

export function newPane(chatId: string, state: State): Pane {
  const peer = opPeer(chatId, state.myName);
  const chat = state.chats[chatId];
  return {chatId, kind: peer ? 'op' : 'visitor', peer, visitor: chat && paneVisitor(chat), events: [], lastSeq: 0, pending: [], unread: 0, scroll: 0, draft: ''};
}

/** Who a visitor chat's pane shows, as the chat says (kept by the pane once the chat has ended). */
function paneVisitor(chat: ChatSummary): Pane['visitor'] {
  return chat.visitorId === undefined ? undefined : {id: chat.visitorId, name: chat.visitorName, site: chat.site};
}

/**
 * The visitors open panes show who are not in `visitors` (the lists as they are now): the last
 * summary of each, so that a pane still shows who it was with after they have left.
 */
export function departedOf(before: State, panes: Pane[], visitors: Record<string, VisitorSummary>): Record<string, VisitorSummary> {
  const departed: Record<string, VisitorSummary> = {};
  for (const pane of panes) {
    const id = pane.visitor?.id;
    const last = id === undefined || id in visitors ? undefined : before.visitors[id] ?? before.departed[id];
    if (last) departed[last.id] = last;
  }
  return departed;
}

/** The lists' visitors become `visitors`; those who left with a pane open are kept aside. */
function withVisitors(state: State, visitors: Record<string, VisitorSummary>): State {
  return {...state, visitors, departed: departedOf(state, state.panes, visitors)};
}

function withPane(state: State, chatId: string, change: (p: Pane) => Pane): State {
  return {...state, panes: state.panes.map((p) => (p.chatId === chatId ? change(p) : p))};
}

/** Raises the alert counter: the app rings the bell / notifies once per increment. */
export function alert(state: State, text: string, request: boolean): State {
  return {...state, alert: {n: state.alert.n + 1, text, request}};
}

function requestText(state: State, chat: ChatSummary): string {
  const offer = state.offers[chat.id];
  if (offer) return `${offer.from} offers you the chat with ${chatTitle(state, chat.id)}: ${offer.note ?? ''}`;
  return `Chat request from ${chatTitle(state, chat.id)} on ${chat.site}: ${chat.firstText ?? ''}`;
}

/** Pages of a visit kept in the client, as many as the hub sends when asked. */
const MAX_PAGES_KEPT = 500;

/**
 * A visit asked for in full (Alt+D) follows its visitor: a page viewed since is added as the
 * lists hear of it, so the page list refreshes itself while it is open. Only for the same visit:
 * a visitor back for another one is asked about afresh when the details open again.
 */
function followVisits(visits: State['visits'], updated: VisitorSummary[]): State['visits'] {
  let next = visits;
  for (const v of updated) {
    const visit = visits[v.id];
    const page = v.page;
    if (!visit || !page || visit.start !== v.since) continue;
    const last = visit.pages.at(-1);
    if (last && last.at === page.at && last.url === page.url) continue;
    if (next === visits) next = {...visits};
    next[v.id] = {...visit, pages: [...visit.pages, page].slice(-MAX_PAGES_KEPT)};
  }
  return next;
}

export function addPopup(state: State, chat: ChatSummary): State {
  if (chat.kind !== 'visitor' || chat.state !== 'waiting' || state.popups.includes(chat.id)) return state;
  // A chat offered to a colleague rings them alone.
  if (chat.offeredTo && chat.offeredTo !== state.myName) return state;
  // A first popup takes Enter again, whatever the lists were used for before it rang.
  const picking = state.popups.length > 0 && state.picking;
  return alert({...state, popups: [...state.popups, chat.id], picking}, clean(requestText(state, chat)), true);
}

function dropPopup(state: State, chatId: string): State {
  return state.popups.includes(chatId) ? {...state, popups: state.popups.filter((id) => id !== chatId)} : state;
}

function upsertChat(state: State, chat: ChatSummary): State {
  if (chat.visitorId !== undefined) state = withPane(state, chat.id, (p) => ({...p, visitor: paneVisitor(chat)}));
  // An offer to me is over (taken, declined, timed out) once the chat is no longer offered to me.
  if (state.offers[chat.id] && chat.offeredTo !== state.myName) {
    const {[chat.id]: _over, ...offers} = state.offers;
    state = {...state, offers};
  }
  if (chat.state === 'ended' && chat.kind === 'visitor') {
    const {[chat.id]: _gone, ...chats} = state.chats;
    return dropPopup({...state, chats}, chat.id);
  }
  const next = {...state, chats: {...state.chats, [chat.id]: chat}};
  return chat.state === 'waiting' ? next : dropPopup(next, chat.id);
}

function openPane(state: State, chatId: string, focus: boolean): State {
  let index = state.panes.findIndex((p) => p.chatId === chatId);
  let panes = state.panes;
  if (index < 0) {
    panes = [...panes, newPane(chatId, state)];
    index = panes.length - 1;
  }
  if (!focus) return {...state, panes};
  panes = panes.map((p, i) => (i === index ? {...p, unread: 0} : p));
  return {...state, panes, active: index, focus: 'pane'};
}

function myDisplay(state: State): string {
  return state.me?.displayName ?? state.myName;
}

/**
 * Events of one chat, in the order they came: one frame, or the frames of a replay that arrived
 * together (the connection gathers them), which then cost one copy of the pane's history and
 * one alert, not one each.
 */
export function applyEvents(state: State, chatId: string, incoming: readonly ChatEvent[]): State {
  let pane = state.panes.find((p) => p.chatId === chatId);
  if (!pane) {
    // Events for a chat without a pane: an operator chat someone opened with me, or a chat
    // that is mine after a restart. Anything else (a stray replay) is not ours to show.
    const mine = state.chats[chatId]?.owner === state.myName;
    if (!opPeer(chatId, state.myName) && !mine) return state;
    state = openPane(state, chatId, false);
    pane = state.panes.find((p) => p.chatId === chatId)!;
  }
  const fresh = freshEvents(pane.events, incoming);
  if (fresh.length === 0) return state;
  const index = state.panes.indexOf(pane);
  const seen = index === state.active && state.focus === 'pane';
  const me = myDisplay(state);
  let {closed, firstSeen, lastSeq, pending, unread, typing} = pane;
  if (pane.kind === 'op' && pane.events.length === 0) {
    const first = fresh.reduce((low, e) => Math.min(low, e.seq), Infinity);
    if (first > 1) firstSeen = first;
  }
  let alerted: ChatEvent | undefined;
  for (const e of fresh) {
    const fromMe = e.from === 'operator' && (pending.some((p) => p.id === e.id) || e.name === me);
    if (e.kind === 'left' || e.kind === 'end' || e.kind === 'block') closed = e.text;
    if (e.kind === 'leave' && e.name === me) closed = 'You left this chat';
    if (e.kind === 'join' && e.name === me) closed = undefined;
    const past = firstSeen !== undefined && e.seq < firstSeen;
    const counts = e.kind === 'msg' && !fromMe && !seen && !past;
    if (counts) unread += 1;
    if (counts && lastSeq < e.seq) alerted = e;
    if (e.from === 'visitor') typing = undefined;
    pending = pending.filter((p) => p.id !== e.id);
    lastSeq = Math.max(lastSeq, e.seq);
  }
  const next: Pane = {...pane, events: withEvents(pane.events, fresh), firstSeen, lastSeq, pending, unread, typing, closed};
  state = withPane(state, chatId, () => next);
  return alerted ? alert(state, clean(`${chatTitle(state, chatId)}: ${alerted.text}`), false) : state;
}

export function applyFrame(state: State, frame: HubToOperator): State {
  switch (frame.t) {
    case 'ready': {
      const chats = Object.fromEntries(frame.chats.map((c) => [c.id, c]));
      let next: State = {
        ...withVisitors(state, Object.fromEntries(frame.visitors.map((v) => [v.id, v]))),
        me: frame.me,
        operators: Object.fromEntries(frame.operators.map((o) => [o.name, o])),
        chats,
        popups: state.popups.filter((id) => chats[id]?.state === 'waiting'),
        canned: frame.canned,
        messages: frame.messages,
      };
      // Chats I own reopen (after a client restart); waiting ones ring if not yet rung.
      for (const c of frame.chats) {
        if (c.kind === 'visitor' && c.state === 'active' && c.owner === state.myName) next = openPane(next, c.id, false);
        if (frame.me.status === 'online') next = addPopup(next, c);
      }
      return next;
    }
    case 'visitor.update':
      return {...withVisitors(state, {...state.visitors, [frame.visitor.id]: frame.visitor}), visits: followVisits(state.visits, [frame.visitor])};
    case 'visitor.updates': {
      const visitors = {...state.visitors};
      for (const u of frame.updates) visitors[u.visitor.id] = u.visitor;
      return {...withVisitors(state, visitors), visits: followVisits(state.visits, frame.updates.map((u) => u.visitor))};
    }
    case 'visitor.gone': {
      const {[frame.visitorId]: _gone, ...visitors} = state.visitors;
      return withVisitors(state, visitors);
    }
    case 'chat.requested':
      return addPopup(upsertChat(state, frame.chat), frame.chat);
    case 'chat.update':
      return upsertChat(state, frame.chat);
    case 'chat.assigned': {
      const chat = state.chats[frame.chatId];
      let next = dropPopup(state, frame.chatId);
      if (chat) next = upsertChat(next, {...chat, state: 'active', owner: frame.operator});
      if (frame.operator !== state.myName) return next;
      next = openPane(next, frame.chatId, true);
      return withPane(next, frame.chatId, (p) => ({...p, closed: undefined}));
    }
    case 'ev':
      return applyEvents(state, frame.chatId, [frame.e]);
    case 'ack':
      // The event itself (fanned out to me) removes the pending line; an ack for a message
      // already shown only needs the pending copy gone.
      return withPane(state, frame.chatId, (p) =>
        holds(p.events, frame.seq) ? {...p, pending: p.pending.filter((x) => x.id !== frame.id)} : p,
      );
    case 'typing':
      return withPane(state, frame.chatId, (p) => ({...p, typing: frame.typing ? {preview: frame.preview} : undefined}));
    case 'operator.update':
      if (frame.operator.name === state.myName) return {...state, me: frame.operator};
      return {...state, operators: {...state.operators, [frame.operator.name]: frame.operator}};
    case 'offline.message': {
      const messages = state.messages.some((m) => m.id === frame.message.id) ? state.messages : [...state.messages, frame.message];
      return {...state, messages, notice: clean(`Offline message from ${frame.message.name ?? 'a visitor'}: ${frame.message.text}`)};
    }
    case 'message.done':
      return {...state, messages: state.messages.filter((m) => m.id !== frame.id)};
    case 'canned.list': {
      // The hub lists the responses again once a change is stored: one that this operator
      // added is there for good now, which is when the operator hears it was added.
      const known = new Set(state.canned.map((c) => c.id));
      const added = frame.canned.filter((c) => !known.has(c.id) && c.by === state.myName);
      if (added.length === 0) return {...state, canned: frame.canned};
      const said = added.map((c) => `#${c.shortcut} ${cannedFor(Boolean(c.owner))}`).join(', ');
      return {...state, canned: frame.canned, notice: clean(`added ${said}`)};
    }
    case 'visitor.details': {
      // About a visitor on the lists, or one who has left (asked from a pane kept open).
      const id = frame.visitor.id;
      const visitors = id in state.visitors ? {...state.visitors, [id]: frame.visitor} : state.visitors;
      const departed = id in state.departed ? {...state.departed, [id]: frame.visitor} : state.departed;
      return frame.visit ? {...state, visitors, departed, visits: {...state.visits, [id]: frame.visit}} : {...state, visitors, departed};
    }
    case 'error': {
      const notice = clean(`${frame.code}: ${frame.message}`);
      const ref = frame.ref;
      const failed = ref && state.panes.find((p) => p.pending.some((x) => x.id === ref));
      if (!failed) return {...state, notice};
      // The hub refused that message and will never ack it: it must not look as if it is on its way.
      // What was typed is not lost: back in the pane's line (unless something else is being
      // typed there), so Enter sends it again once the reason has passed.
      const text = failed.pending.find((x) => x.id === ref)!.text;
      const back = failed.draft === '' && !failed.closed;
      return {
        ...withPane(state, failed.chatId, (p) => ({
          ...p,
          pending: p.pending.filter((x) => x.id !== ref),
          ...(back ? {draft: text, cursor: undefined} : {}),
        })),
        notice: clean(`not sent (${frame.message}): ${text}${back ? ' (back in the line: Enter sends it again)' : ''}`),
      };
    }
    case 'visitor.visits':
    case 'visitor.chats':
    case 'chat.offer':
    case 'transfer.result':
    case 'invite.result':
      return applyPeopleFrame(state, frame);
    default:
      return state;
  }
}
