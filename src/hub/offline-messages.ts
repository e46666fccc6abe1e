import type {VisitorToHub} from '../protocol/index.js';
import {limitOf, spend} from './abuse.js';
import {activeBlock} from './blocks.js';
import {HubError} from './errors.js';
import type {Hub} from './hub.js';
import type {LiveVisitor, VisitorConn} from './sessions.js';

type OfflineMessage = Extract<VisitorToHub, {t: 'offline.message'}>;

/** Messages one visitor may leave while nobody is on-line (the site's own cap is a limit). */
const MAX_OFFLINE_PER_VISITOR = 10;

/**
 * Whether this visitor left the message with this id already (a resend). Ids are the clients'
 * own, random: one already taken by someone else's message is refused, never taken for theirs.
 */
function alreadyLeft(hub: Hub, visitorId: string, id: string): boolean {
  const found = hub.globals.messages.messages.find((m) => m.id === id);
  if (found && found.visitorId !== visitorId) throw new HubError('invalid', 'that message id is in use: send it with a new one');
  return found !== undefined;
}

/**
 * A message left while nobody is on-line: stored and shown to the site's operators, within the
 * visitor's, the address's and the site's limits. `limit` spends the visitor's per-minute budget.
 */
export async function leaveMessage(hub: Hub, conn: VisitorConn, live: LiveVisitor, frame: OfflineMessage, limit: () => void): Promise<void> {
  const visitor = live.record;
  const site = live.site.domain;
  const answeredResend = () => {
    if (!alreadyLeft(hub, visitor.id, frame.id)) return false;
    conn.send({t: 'offline.stored', id: frame.id});
    return true;
  };
  // A resend after a lost ack is answered before any limit: it stores nothing, and the limits
  // may have been reached by the very message it resends.
  if (answeredResend()) return;
  limit();
  if (activeBlock(hub, site, visitor.id, conn.ip)) throw new HubError('blocked', 'messages cannot be left right now');
  const room = () => {
    const messages = hub.globals.messages.messages;
    const mine = messages.filter((m) => m.visitorId === visitor.id).length;
    if (mine >= MAX_OFFLINE_PER_VISITOR) throw new HubError('too_many', 'you have already left us several messages; we will be in touch');
    // Each site keeps its own number waiting: one site's flood never refuses another's visitors.
    if (messages.filter((m) => m.site === site).length >= limitOf(live.site, 'messages-kept')) {
      throw new HubError('full', 'messages cannot be left right now; please try later');
    }
  };
  room();
  await spend(hub, live.site, conn.ip, 'messages-per-hour', 'messages');
  // Spending may have waited (for Redis, with several hubs): the messages are looked at again as
  // they are now, and the one added goes into the record held now.
  if (answeredResend()) return;
  room();
  const db = hub.globals.messages;
  const message = {
    id: frame.id,
    site,
    visitorId: visitor.id,
    name: frame.name ?? visitor.name,
    email: frame.email ?? visitor.email,
    text: frame.text,
    at: hub.now(),
  };
  db.messages.push(message);
  try {
    await hub.putGlobal('messages', db);
  } catch {
    db.messages = db.messages.filter((m) => m !== message);
    throw new HubError('not_stored', 'the hub could not store that; send it again');
  }
  hub.sessions.toOperators({t: 'offline.message', message}, site);
  conn.send({t: 'offline.stored', id: frame.id});
}
