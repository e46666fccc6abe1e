import {opChatId, type ChatEvent, type HubToOperator, type OperatorStatus} from '../protocol/index.js';
import {DamagedError} from '../store/store.js';
import type {VisitorRecord} from '../store/types.js';
import {summaryOf} from './ring.js';
import {HubError} from './errors.js';
import type {Hub} from './hub.js';
import type {OpenChat} from './model.js';
import {offersGone} from './transfer.js';

/** Pages of one visit sent in a frame at the most (the newest); a frame must stay small. */
const MAX_PAGES_SENT = 500;

export async function setStatus(hub: Hub, me: string, status: OperatorStatus): Promise<void> {
  const doc = hub.globals.status;
  const changed = hub.sessions.statusOf(me) !== status;
  doc.status[me] = status;
  // Asked for together, so both go to disk in one write.
  const connected = hub.sessions.isConnected(me);
  await Promise.all([
    hub.putGlobal('status', doc),
    changed ? hub.record({type: 'operator.status', at: hub.now(), operator: me, status, connected}) : undefined,
  ]);
  hub.sessions.toOperators({t: 'operator.update', operator: hub.sessions.operatorSummary(me)});
  hub.sessions.announceAvailability();
  if (status !== 'online') await offersGone(hub, me);
}

/** A chat with everything a transcript of it needs. */
export async function exportChat(hub: Hub, me: string, chatId: string): Promise<HubToOperator> {
  const {chat} = await readableChat(hub, me, chatId);
  const events = await hub.chats.events(chatId);
  const site = hub.sessions.findSite(chat.site);
  // The visit the chat happened in; a visitor's visits are read newest first, and it is recent.
  const visits = chat.visitorId && chat.visitId ? await hub.store.visits(chat.visitorId, 200).catch(() => []) : [];
  const visit = visits.find((v) => v.id === chat.visitId);
  const names = new Set([...chat.operators, ...(chat.members ?? [])]);
  return {
    t: 'chat.export',
    chat,
    events,
    site: {domain: chat.site, timezone: site?.timezone ?? 'UTC'},
    visit: visit && {...visit, pages: visit.pages.slice(-MAX_PAGES_SENT)},
    operators: Object.fromEntries([...names].map((n) => [n, hub.sessions.displayName(n)])),
  };
}

/** A left message was answered: it goes, for every operator. */
export async function messageDone(hub: Hub, me: string, id: string): Promise<void> {
  const doc = hub.globals.messages;
  const message = doc.messages.find((m) => m.id === id);
  if (!message || !hub.sessions.monitors(me, message.site)) throw new HubError('unknown_message', `no left message ${id}`);
  const before = doc.messages;
  doc.messages = doc.messages.filter((m) => m !== message);
  try {
    await hub.putGlobal('messages', doc);
  } catch {
    doc.messages = before;
    throw new HubError('not_stored', 'the hub could not store that; send it again');
  }
  hub.sessions.toOperators({t: 'message.done', id}, message.site);
}

/** A chat an operator may read: visitor chats on its sites, and its own operator chats. */
export async function readableChat(hub: Hub, me: string, chatId: string): Promise<OpenChat> {
  const open = await hub.chats.get(chatId);
  const c = open?.chat;
  const ok = c && (c.kind === 'op' ? c.members?.includes(me) : hub.sessions.monitors(me, c.site));
  if (!open || !ok) throw new HubError('unknown_chat', `no chat ${chatId}`);
  return open;
}

export async function opMessage(hub: Hub, me: string, to: string, id: string, text: string): Promise<{chatId: string; e: ChatEvent}> {
  if (to === me) throw new HubError('unknown_operator', 'you cannot chat with yourself');
  if (!hub.sessions.operators.has(to)) throw new HubError('unknown_operator', `no operator ${to}`);
  const chatId = opChatId(me, to);
  const name = hub.sessions.displayName(me);
  const message = {kind: 'msg', from: 'operator', name, text, id} as const;
  // Both operators may write first at the same moment: whoever gets here second uses the chat
  // the first one created while this one was looking in the store.
  const open = (await hub.chats.get(chatId)) ?? hub.chats.open.get(chatId);
  if (!open) {
    const members = [me, to].sort();
    const created = await hub.chats.create(
      {id: chatId, kind: 'op', site: '', members, state: 'active', operators: members, requestedAt: hub.now()},
      message,
    );
    for (const member of members) hub.sessions.toOperator(member, {t: 'chat.update', chat: summaryOf(hub, created.open)});
    hub.sessions.fanOut(created.open.chat, created.e);
    return {chatId, e: created.e};
  }
  if (!hub.chats.open.has(chatId)) hub.chats.open.set(chatId, open);
  // A resend too (see appendOnce).
  const {e} = await hub.chats.appendOnce(open, message);
  hub.sessions.fanOut(open.chat, e);
  return {chatId, e};
}

async function visitorRecord(hub: Hub, me: string, visitorId: string): Promise<VisitorRecord> {
  const live = hub.sessions.visitors.get(visitorId);
  let record = live?.record;
  if (!record) {
    record = await hub.store.visitor(visitorId).catch((error: unknown) => {
      if (!(error instanceof DamagedError)) return undefined;
      hub.log(error.message);
      throw new HubError('damaged', 'that record could not be read; the hub log names the file');
    });
  }
  if (!record || !hub.sessions.monitors(me, record.site)) throw new HubError('unknown_visitor', `no visitor ${visitorId}`);
  return record;
}

export async function visitorInfo(
  hub: Hub,
  me: string,
  what: 'visitor.details' | 'visitor.visits' | 'visitor.chats',
  visitorId: string,
): Promise<HubToOperator> {
  const record = await visitorRecord(hub, me, visitorId);
  const trim = <V extends {pages: unknown[]}>(v: V): V => ({...v, pages: v.pages.slice(-MAX_PAGES_SENT)});
  if (what === 'visitor.visits') return {t: what, visitorId, visits: (await hub.store.visits(visitorId, 50)).map(trim)};
  if (what === 'visitor.chats') {
    const chats = [];
    for (const id of record.chats.slice(-100)) {
      const open = await hub.chats.get(id).catch(() => undefined);
      if (open) chats.push(summaryOf(hub, open));
    }
    return {t: what, visitorId, chats};
  }
  const [visit] = await hub.store.visits(visitorId, 1);
  const live = hub.sessions.visitors.get(visitorId) ?? {
    record,
    site: hub.sessions.findSite(record.site)!,
    conns: new Set(),
    ip: visit?.ip ?? '',
    userAgent: '',
    visit: visit && {start: visit, pages: visit.pages.length, last: visit.pages.at(-1), end: visit.end},
  };
  return {t: what, visitor: hub.sessions.visitorSummary(live), visit: visit && trim(visit)};
}
