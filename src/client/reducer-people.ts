import type {ChatSummary, HubToOperator} from '../protocol/index.js';
import {addPopup, newPane} from './reducer-hub.js';
import {visitorLabel} from './selectors.js';
import {clean} from '../lib/sanitize.js';
import type {State} from './state.js';

/**
 * The part of the client reducer for the operator's dealings with people: a visitor's earlier
 * visits and chats, chats handed between operators (transfer) and invitations. Pure, like the rest.
 */

export type PeopleFrame = Extract<HubToOperator, {t: 'visitor.visits' | 'visitor.chats' | 'chat.offer' | 'transfer.result' | 'invite.result'}>;

function operatorName(state: State, name: string): string {
  return state.operators[name]?.displayName ?? name;
}

const TRANSFER: Record<Extract<PeopleFrame, {t: 'transfer.result'}>['outcome'], string> = {
  accepted: 'took the chat',
  declined: 'declined the chat: it waits for everyone',
  timeout: 'did not answer in time: the chat waits for everyone',
  offline: 'went off-line: the chat waits for everyone',
};

export function applyPeopleFrame(state: State, frame: PeopleFrame): State {
  switch (frame.t) {
    case 'visitor.visits': {
      const visits = [...frame.visits].sort((a, b) => b.start - a.start);
      return {...state, pastVisits: {...state.pastVisits, [frame.visitorId]: visits}};
    }
    case 'visitor.chats': {
      const chats = frame.chats.filter((c) => c.state === 'ended').sort((a, b) => b.requestedAt - a.requestedAt);
      return {...state, pastChats: {...state.pastChats, [frame.visitorId]: chats}};
    }
    case 'chat.offer': {
      const {chat, from, note, recent, until} = frame;
      const next: State = {...state, chats: {...state.chats, [chat.id]: chat}, offers: {...state.offers, [chat.id]: {from, note, recent, until}}};
      return addPopup(next, chat);
    }
    case 'transfer.result':
      return {...state, notice: clean(`${operatorName(state, frame.to)} ${TRANSFER[frame.outcome]}`)};
    case 'invite.result': {
      const who = visitorLabel(state, frame.visitorId);
      return {...state, notice: frame.outcome === 'accepted' ? `${who} accepted: the chat is yours` : `${who} closed the invitation`};
    }
  }
}

/** Opens an earlier chat read-only in its own pane; its events come from the hub (chat.sync). */
export function openHistory(state: State, chat: ChatSummary): State {
  const history = {at: chat.requestedAt, owner: chat.owner};
  // The chat may still be open in a pane of its own (ended while I watched): that pane turns read-only.
  const index = state.panes.findIndex((p) => p.chatId === chat.id);
  const panes = index < 0 ? [...state.panes, {...newPane(chat.id, state), history}] : state.panes.map((p, i) => (i === index ? {...p, history} : p));
  return {...state, panes, active: index < 0 ? panes.length - 1 : index, focus: 'pane', overlay: undefined};
}
