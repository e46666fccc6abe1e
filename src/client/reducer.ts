import {applyEvents, applyFrame, departedOf, newPane} from './reducer-hub.js';
import {openHistory} from './reducer-people.js';
import {listLength} from './selectors.js';
import {FOCUS_ORDER, type Action, type Pane, type State} from './state.js';

export {initialState} from './state.js';
export type {Action, State} from './state.js';

/** Rows a chat pane gets for its history; PgUp/PgDn move by about one of these. */
export function paneHeight(state: State): number {
  return Math.max(3, state.size.rows - 8);
}

function setActive(state: State, index: number): State {
  if (state.panes.length === 0) return state;
  const i = ((index % state.panes.length) + state.panes.length) % state.panes.length;
  const panes = state.panes.map((p, n) => (n === i ? {...p, unread: 0} : p));
  return {...state, panes, active: i, focus: 'pane'};
}

function changeActive(state: State, change: (p: Pane) => Pane): State {
  const pane = state.panes[state.active];
  if (!pane) return state;
  return {...state, panes: state.panes.map((p, i) => (i === state.active ? change(p) : p))};
}

function openChat(state: State, chatId: string, peer?: string): State {
  const index = state.panes.findIndex((p) => p.chatId === chatId);
  if (index >= 0) return setActive(state, index);
  const pane = {...newPane(chatId, state), ...(peer ? {kind: 'op' as const, peer} : {})};
  return setActive({...state, panes: [...state.panes, pane]}, state.panes.length);
}

/**
 * The client's one reducer: every change to what the operator sees goes through here, whether it
 * came from the hub (via the connection) or from a key (via the commands). Pure: no I/O, no clock.
 */
export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'hub':
      return applyFrame(state, action.frame);
    case 'events':
      return applyEvents(state, action.chatId, action.events);
    case 'conn':
      return {...state, conn: {status: action.status, error: action.error, retryAt: action.retryAt}};
    case 'resize':
      return {...state, size: {cols: action.cols, rows: action.rows}};
    case 'tick':
      return {...state, now: action.now};
    case 'sending': {
      const withPane = openChat(state, action.chatId, action.peer);
      return changeActive(withPane, (p) => ({...p, pending: [...p.pending, {id: action.id, text: action.text, at: state.now}], scroll: 0}));
    }
    case 'focus':
      return {...state, picking: true, focus: action.focus === 'pane' && state.panes.length === 0 ? state.focus : action.focus};
    case 'focusStep': {
      const order = state.panes.length > 0 ? FOCUS_ORDER : FOCUS_ORDER.filter((f) => f !== 'pane');
      const at = order.indexOf(state.focus);
      const focus = order[(at + action.dir + order.length) % order.length]!;
      // Leaving the pane is how the lists (and the popup's Enter) are reached: not a choice of row.
      return focus === 'pane' ? setActive(state, state.active) : {...state, focus, picking: state.picking || state.focus !== 'pane'};
    }
    case 'select': {
      if (state.focus === 'pane') return state;
      const list = state.focus;
      const max = listLength(state, list) - 1;
      const value = Math.max(0, Math.min(max, state.selected[list] + action.delta));
      return {...state, picking: true, selected: {...state.selected, [list]: value}};
    }
    case 'pane':
      return action.index < state.panes.length ? setActive(state, action.index) : state;
    case 'paneStep':
      return setActive(state, state.active + action.dir);
    case 'openOpChat':
      return openChat(state, action.chatId, action.peer);
    case 'openChat':
      return openChat(state, action.chatId);
    case 'closePane': {
      const index = state.panes.findIndex((p) => p.chatId === action.chatId);
      if (index < 0) return state;
      const panes = state.panes.filter((p) => p.chatId !== action.chatId);
      const active = Math.max(0, Math.min(panes.length - 1, state.active > index ? state.active - 1 : state.active));
      const departed = departedOf(state, panes, state.visitors);
      return {...state, panes, departed, active, focus: panes.length === 0 && state.focus === 'pane' ? 'chats' : state.focus};
    }
    case 'draft':
      return changeActive(state, (p) => ({...p, draft: action.text, cursor: action.cursor}));
    case 'toggleDetails':
      return changeActive(state, (p) => ({...p, showDetails: !p.showDetails}));
    case 'scroll': {
      const step = Math.max(1, paneHeight(state) - 1);
      return changeActive(state, (p) => ({...p, scroll: Math.max(0, Math.min(p.events.length * 40, p.scroll + action.pages * step))}));
    }
    case 'popupDismiss':
      return {...state, popups: state.popups.slice(1)};
    case 'overlay':
      return {...state, overlay: action.overlay};
    case 'settings':
      return {...state, settings: action.settings};
    case 'notice':
      return {...state, notice: action.text};
    case 'quit':
      return {...state, quit: true, overlay: undefined};
    case 'openHistory':
      return openHistory(state, action.chat);
  }
}
