import type {Low} from 'lowdb';
import {opChatId, type Canned, type ChatEvent, type HubToOperator, type OperatorStatus} from '../protocol/index.js';
import type {ChatRecord} from '../store/types.js';
import {fanOut} from './chats.js';
import {HubError} from './errors.js';
import type {Hub} from './hub.js';
import {randomId} from '../lib/secrets.js';

/** Everything a client needs to draw its screen, sent once after hello. */
export function snapshot(hub: Hub, me: string): Extract<HubToOperator, {t: 'ready'}> {
  const mine = (site: string) => hub.monitors(me, site);
  return {
    t: 'ready',
    me: hub.operatorSummary(me),
    hub: 'cac',
    operators: [...hub.operators.keys()].filter((n) => n !== me).map((n) => hub.operatorSummary(n)),
    visitors: [...hub.visitors.values()].filter((v) => mine(v.site.domain)).map((v) => hub.visitorSummary(v)),
    chats: [...hub.chats.values()]
      .map((db) => db.data)
      .filter((c) => (c.kind === 'op' ? c.members?.includes(me) : mine(c.site) && c.state !== 'ended'))
      .map((c) => hub.chatSummary(c)),
    messages: (hub.store.globalCache('messages')?.data.messages ?? []).filter((m) => mine(m.site)).slice(-100),
    canned: cannedFor(hub, me),
  };
}

export async function setStatus(hub: Hub, me: string, status: OperatorStatus): Promise<void> {
  const db = await hub.store.global('status');
  db.data.status[me] = status;
  await hub.store.save(db);
  hub.toOperators({t: 'operator.update', operator: hub.operatorSummary(me)});
  hub.announceAvailability();
}

/** A chat an operator may read: visitor chats on its sites, and its own operator chats. */
export async function readableChat(hub: Hub, me: string, chatId: string): Promise<Low<ChatRecord>> {
  const db = await hub.chat(chatId);
  const ok = db && (db.data.kind === 'op' ? db.data.members?.includes(me) : hub.monitors(me, db.data.site));
  if (!db || !ok) throw new HubError('unknown_chat', `no chat ${chatId}`);
  return db;
}

export async function opMessage(
  hub: Hub,
  me: string,
  to: string,
  id: string,
  text: string,
): Promise<{chatId: string; e: ChatEvent}> {
  if (to === me) throw new HubError('unknown_operator', 'you cannot chat with yourself');
  if (!hub.operators.has(to)) throw new HubError('unknown_operator', `no operator ${to}`);
  const chatId = opChatId(me, to);
  let db = await hub.chat(chatId);
  // Both operators may write first at the same moment: whoever gets here second must use the
  // document the first one created while this one was looking on disk.
  db ??= hub.chats.get(chatId);
  if (!db) {
    db = hub.store.newChat({
      id: chatId,
      kind: 'op',
      site: '',
      members: [me, to].sort(),
      state: 'active',
      operators: [me, to].sort(),
      requestedAt: hub.now(),
      events: [],
      ids: {},
    });
    hub.chats.set(chatId, db);
  }
  const seen = db.data.ids[id];
  if (seen !== undefined) {
    await hub.store.flush();
    return {chatId, e: db.data.events.find((e) => e.seq === seen)!};
  }
  const name = hub.operators.get(me)?.displayName ?? me;
  const e = await hub.append(db, {kind: 'msg', from: 'operator', name, text, id});
  if (e.seq === 1) {
    for (const member of db.data.members ?? []) hub.toOperator(member, {t: 'chat.update', chat: hub.chatSummary(db.data)});
  }
  fanOut(hub, db.data, e);
  return {chatId, e};
}

export async function visitorInfo(
  hub: Hub,
  me: string,
  what: 'visitor.details' | 'visitor.visits' | 'visitor.chats',
  visitorId: string,
): Promise<HubToOperator> {
  const live = hub.visitors.get(visitorId);
  const doc = live?.doc ?? (await hub.store.visitor(visitorId).catch(() => undefined));
  if (!doc || !hub.monitors(me, doc.data.site)) throw new HubError('unknown_visitor', `no visitor ${visitorId}`);
  const v = doc.data;
  if (what === 'visitor.visits') return {t: what, visitorId, visits: v.visits};
  if (what === 'visitor.chats') {
    const chats = [];
    for (const id of v.chats) {
      const chat = await hub.chat(id);
      if (chat) chats.push(hub.chatSummary(chat.data));
    }
    return {t: what, visitorId, chats};
  }
  const summary = live
    ? hub.visitorSummary(live)
    : hub.visitorSummary({doc, site: hub.findSite(v.site)!, conns: new Set(), ip: v.visits.at(-1)?.ip ?? '', userAgent: ''});
  return {t: what, visitor: summary, visit: v.visits.at(-1)};
}

export function cannedFor(hub: Hub, me: string): Canned[] {
  return (hub.store.globalCache('canned')?.data.canned ?? []).filter((c) => !c.owner || c.owner === me);
}

export async function addCanned(hub: Hub, me: string, shortcut: string, text: string, team: boolean): Promise<void> {
  const db = await hub.store.global('canned');
  db.data.canned.push({id: randomId(), owner: team ? undefined : me, shortcut, text});
  await hub.store.save(db);
}

export async function removeCanned(hub: Hub, me: string, id: string): Promise<void> {
  const db = await hub.store.global('canned');
  const item = db.data.canned.find((c) => c.id === id);
  const admin = hub.operators.get(me)?.role === 'admin';
  if (!item || (item.owner !== me && !(item.owner === undefined && admin))) {
    throw new HubError('unknown_canned', `no canned response ${id} of yours`);
  }
  db.data.canned = db.data.canned.filter((c) => c.id !== id);
  await hub.store.save(db);
}
