import {HubError} from './errors.js';
import type {Hub} from './hub.js';
import type {OpenChat} from './model.js';
import {afterBlock} from './chat-end.js';
import {mustOwn, owned} from './chats.js';
import {ring, summaryOf} from './ring.js';

/** How long a transferred chat waits for the operator it is offered to. */
export const OFFER_MS = 60_000;

/** The last events shown with an offer, so the colleague knows what it is about. */
const RECENT = 10;

/** An offer that another hub settled first. */
class OfferOver extends Error {}

/**
 * Offers an owned chat to one colleague: the owner steps out (the visitor is not told), the
 * chat waits for that colleague alone, who sees the note and the last messages. Accepting makes
 * them the owner (the visitor sees them join); declining, letting it time out or going off-line
 * puts it back to waiting for everyone.
 */
export async function transferChat(hub: Hub, me: string, chatId: string, to: string, note?: string): Promise<void> {
  await afterBlock(hub, chatId);
  const open = await owned(hub, me, chatId);
  const s = hub.sessions;
  if (to === me) throw new HubError('not_possible', 'the chat is yours already');
  if (!s.operators.has(to)) throw new HubError('unknown_operator', `no operator ${to}`);
  if (!s.isConnected(to) || s.statusOf(to) === 'offline' || !s.monitors(to, open.chat.site)) {
    throw new HubError('not_possible', `${to} is not on-line for ${open.chat.site}`);
  }
  const from = s.displayName(me);
  const until = hub.now() + OFFER_MS;
  const e = await hub.chats.change(
    open,
    (c) => {
      c.state = 'waiting';
      c.owner = undefined;
      c.offer = {to, from: me, note, until};
    },
    {kind: 'leave', from: 'system', name: from, text: `${from} offered the chat to ${s.displayName(to)}${note ? `: ${note}` : ''}`, priv: true},
    {type: 'transfer.offered', operator: me, to, note},
    (c) => mustOwn(c, me),
  );
  s.toOperator(me, {t: 'ev', chatId, e});
  await offer(hub, open);
}

/** Rings the one operator a chat is offered to; everyone else sees the list change. */
async function offer(hub: Hub, open: OpenChat): Promise<void> {
  const o = open.chat.offer!;
  const recent = (await hub.chats.events(open.chat.id)).filter((e) => e.kind === 'msg' || e.kind === 'link').slice(-RECENT);
  hub.sessions.toOperators({t: 'chat.update', chat: summaryOf(hub, open)}, open.chat.site, o.to);
  hub.sessions.toOperator(o.to, {
    t: 'chat.offer',
    chat: summaryOf(hub, open),
    from: hub.sessions.displayName(o.from),
    note: o.note,
    recent,
    until: o.until,
  });
  armOffer(hub, open);
}

/** The offer's deadline (after a restart, the time that was left). */
export function armOffer(hub: Hub, open: OpenChat): void {
  const o = open.chat.offer;
  if (o) hub.deadlines.set({kind: 'offer', chatId: open.chat.id}, o.until);
}

/** Nobody answered the offer in time. */
export function offerExpired(hub: Hub, chatId: string): Promise<void> {
  return settleOffer(hub, chatId, 'timeout');
}

export async function declineOffer(hub: Hub, me: string, chatId: string): Promise<void> {
  const open = hub.chats.open.get(chatId);
  if (!open || open.chat.offer?.to !== me) throw new HubError('unknown_chat', `no chat ${chatId} offered to you`);
  await settleOffer(hub, chatId, 'declined');
}

/** Offers to an operator who went off-line or away go back to everyone. */
export async function offersGone(hub: Hub, operator: string): Promise<void> {
  for (const open of [...hub.chats.open.values()]) {
    if (open.chat.offer?.to === operator) await settleOffer(hub, open.chat.id, 'offline');
  }
}

/**
 * The offer is over without an owner: the chat waits for everyone and they are rung, except a
 * colleague who has just declined it (they see the list change, as an operator who leaves does).
 */
async function settleOffer(hub: Hub, chatId: string, outcome: 'declined' | 'timeout' | 'offline'): Promise<void> {
  const open = hub.chats.open.get(chatId);
  const o = open?.chat.offer;
  if (!open || !o || open.chat.state !== 'waiting') return;
  hub.deadlines.cancel({kind: 'offer', chatId});
  const to = hub.sessions.displayName(o.to);
  const why = {declined: 'declined it', timeout: 'did not answer in time', offline: 'went off-line'}[outcome];
  try {
    await hub.chats.change(
      open,
      (c) => {
        c.offer = undefined;
      },
      {kind: 'note', from: 'system', name: 'system', text: `${to} ${why}; the chat waits for everyone`, priv: true},
      {type: 'transfer.declined', operator: o.to, from: o.from, outcome},
      (c) => {
        if (c.offer?.to !== o.to || c.state !== 'waiting') throw new OfferOver();
      },
    );
  } catch (error) {
    // Settled on another hub a moment before (taken, declined, timed out): nothing is left to do.
    if (error instanceof OfferOver) return;
    throw error;
  }
  hub.sessions.toOperator(o.from, {t: 'transfer.result', chatId, to: o.to, outcome});
  if (outcome !== 'declined') return ring(hub, open);
  ring(hub, open, o.to);
  hub.sessions.toOperator(o.to, {t: 'chat.update', chat: summaryOf(hub, open)});
}
