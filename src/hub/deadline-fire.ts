import type {Deadline} from '../protocol/cluster.js';
import {releaseOperator, visitorLeft} from './chat-end.js';
import type {Hub} from './hub.js';
import {offerExpired} from './transfer.js';

/**
 * What a deadline does when it comes, on whichever hub fires it. Rejects (after saying why) when
 * it could not be done, so that shared deadlines are fired again by another hub.
 */
export function fireDeadline(hub: Hub, d: Deadline): Promise<void> {
  return act(hub, d).catch((error: unknown) => {
    hub.log(`${d.kind} deadline: ${String(error)}`);
    throw error;
  });
}

async function act(hub: Hub, d: Deadline): Promise<void> {
  if (d.kind === 'offer') return offerExpired(hub, d.chatId);
  // Whether someone is gone is read from presence: right after Redis came back empty, another
  // hub may hold them without having said so yet. Then this fails, to be tried again shortly.
  if (hub.cluster && !(await hub.cluster.presenceSettled())) throw new Error('not yet: the hubs are writing their presence into Redis again');
  return d.kind === 'visitor' ? visitorGone(hub, d.visitorId, d.site) : operatorGone(hub, d.operator);
}

/**
 * No socket of the visitor came back within the grace period (navigating, reconnecting, a hub
 * that died): they have left, and so has their chat. The chat is ended first: should that fail
 * (the store away), the deadline is fired again later and nothing has been said yet, so
 * operators and the feed hear of the leaving once.
 */
async function visitorGone(hub: Hub, visitorId: string, site: string): Promise<void> {
  const back = () => (hub.sessions.visitors.get(visitorId)?.conns.size ?? 0) > 0;
  if (back()) return;
  // With several hubs, its new page may be on another one.
  if (await hub.cluster?.visitorElsewhere(visitorId)) return;
  const live = hub.sessions.visitors.get(visitorId);
  const chatId = live?.record.chatId ?? (await hub.store.visitor(visitorId).catch(() => undefined))?.chatId;
  if (chatId) await visitorLeft(hub, chatId);
  // Back while the chat was being ended: on the site still, with the chat over.
  if (back()) return;
  hub.note({type: 'visitor.left', at: hub.now(), site, visitorId});
  hub.sessions.visitors.delete(visitorId);
  hub.sessions.toOperators({t: 'visitor.gone', visitorId}, site);
}

/** The operator's sockets have all been gone past the grace period: free its visitors. */
async function operatorGone(hub: Hub, operator: string): Promise<void> {
  if (hub.sessions.isConnected(operator)) return;
  await releaseOperator(hub, operator);
}
