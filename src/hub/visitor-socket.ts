import type {WebSocket} from 'ws';
import {PROTOCOL_VERSION, visitorToHub, type HubToVisitor, type VisitorToHub} from '../protocol/index.js';
import {DamagedError} from '../store/store.js';
import type {SiteRecord, VisitorRecord} from '../store/types.js';
import {activeBlock} from './blocks.js';
import {visitorLeft} from './chat-end.js';
import {dismissInvite} from './invite.js';
import {requestChat, visitorMessage} from './chats.js';
import {CloseCode, Conn} from './conn.js';
import {HubError} from './errors.js';
import type {Hub} from './hub.js';
import type {LiveVisitor, VisitorConn} from './sessions.js';
import {newSecret, randomId, sameHash, sha256} from '../lib/secrets.js';
import {recordPage, resumeVisit} from './visits.js';
import {serveFrames} from './frames.js';
import {closeSocket, mayViewPage, openSocket, spend, spendIdentify, spendPage} from './abuse.js';
import {leaveMessage} from './offline-messages.js';
import {passTyping} from './typing.js';
import {takeNames} from './visitor-names.js';

/** How long a visitor socket may stay open without saying hello. */
export const HELLO_WITHIN_MS = 30_000;

/** Wires one visitor tab's socket (site and Origin were checked in the upgrade) to the model. */
export function attachVisitor(hub: Hub, ws: WebSocket, site: SiteRecord, ip: string, userAgent: string): void {
  const conn = new Conn(ws, ip, userAgent) as VisitorConn;
  conn.site = site;
  let live: LiveVisitor | undefined;
  let greeting = false;
  let closed = false;
  if (!openSocket(hub, site, ip)) {
    conn.close(CloseCode.flood, 'too many sockets from this address');
    return;
  }
  // A tab says hello as soon as it connects: a socket that stays silent only holds a file and one
  // of its address's places (sockets-per-address), so it is closed. Let go of once cancelled: this
  // closure lives as long as the socket, and a cancelled timer kept is 150 bytes a visitor.
  let silent: unknown = hub.later(HELLO_WITHIN_MS, () => conn.close(CloseCode.junk, 'no hello'));

  serveFrames(hub, conn, visitorToHub, async (frame, next) => {
    if (frame.t === 'hello') {
      if (greeting || live) throw new HubError('hello_twice', 'already said hello');
      hub.cancel(silent);
      silent = undefined;
      greeting = true;
      live = await hello(hub, conn, site, frame).finally(() => (greeting = false));
      // The tab may have gone while hello was being stored: it must still count as gone.
      if (closed) drop(hub, conn, live);
      return;
    }
    if (!live) throw new HubError('hello_first', 'send hello first');
    await handle(hub, conn, live, frame, next);
  });

  ws.on('close', () => {
    closed = true;
    hub.cancel(silent);
    closeSocket(hub, site, ip);
    if (live) drop(hub, conn, live);
  });
}

/** One socket of a visitor is gone; when it was the last, the grace period starts. */
function drop(hub: Hub, conn: VisitorConn, live: LiveVisitor): void {
  live.conns.delete(conn);
  // A visitor let go by the hub itself (erased) is gone already.
  if (live.conns.size > 0 || hub.stopped || hub.sessions.visitors.get(live.record.id) !== live) return;
  hub.cluster?.visitorDropped(live.record.id);
  // Navigating to another page drops the socket for a moment: that is not leaving.
  hub.deadlines.set({kind: 'visitor', visitorId: live.record.id, site: live.site.domain}, hub.now() + hub.visitorGraceMs);
}

async function hello(
  hub: Hub,
  conn: VisitorConn,
  site: SiteRecord,
  frame: Extract<VisitorToHub, {t: 'hello'}>,
): Promise<LiveVisitor> {
  if (frame.v !== PROTOCOL_VERSION) {
    conn.send({t: 'error', code: 'version', message: `protocol ${PROTOCOL_VERSION} required`});
    conn.close(CloseCode.badVersion, 'protocol version');
    throw new HubError('version', 'protocol version');
  }
  if (hub.sessions.findSite(frame.site)?.domain !== site.domain) throw new HubError('site', 'hello names another site');
  let token = frame.resumeToken ?? '';
  let record = frame.visitorId && token ? await atOnce(hub, () => known(hub, frame.visitorId!, token, site)) : undefined;
  const fresh = !record;
  if (!record) {
    await spend(hub, site, conn.ip, 'identities-per-minute', 'new visitors');
    token = newSecret();
    record = {id: randomId(), site: site.domain, tokenHash: sha256(token), firstSeen: hub.now(), chats: []};
  }
  const id = record.id;
  let live = hub.sessions.visitors.get(id);
  if (!live) {
    const back: LiveVisitor = {record, site, conns: new Set(), ip: conn.ip, userAgent: conn.userAgent};
    if (!fresh) await atOnce(hub, () => resumeVisit(hub, back)).catch((error: unknown) => hub.log(`visits of ${id}: ${String(error)}`));
    live = hub.sessions.visitors.get(id) ?? back;
    hub.sessions.visitors.set(id, live);
  }
  hub.deadlines.cancel({kind: 'visitor', visitorId: id});
  hub.cluster?.visitorHere(id);
  live.ip = conn.ip;
  live.userAgent = conn.userAgent;
  // Frames for this visitor wait until it has its welcome and what it missed.
  conn.hold();
  let heldBack = (_frame: unknown) => false;
  live.conns.add(conn);
  conn.visitorId = id;
  try {
    // The page a hello brings is a page view like any other, within the same budget: a visitor
    // reconnecting over and over would otherwise write one each time, and tell every operator.
    // Past the budget the tab is still welcomed; only that view goes unrecorded.
    const page = frame.page && (await mayViewPage(hub, site, id)) ? frame.page : undefined;
    await Promise.all([fresh ? hub.store.putVisitor(record) : undefined, page ? recordPage(hub, live, page) : undefined]);

    const chat = live.record.chatId ? await hub.chats.get(live.record.chatId).catch(() => undefined) : undefined;
    const open = chat && chat.chat.state !== 'ended' ? chat.chat : undefined;
    conn.sendNow({
      t: 'welcome',
      visitorId: id,
      resumeToken: token,
      online: hub.sessions.anyOnlineFor(site.domain),
      preview: site.preview,
      blockedUntil: activeBlock(hub, site.domain, id, conn.ip)?.until,
      chat: open && {
        id: open.id,
        state: open.state,
        operator: open.owner && hub.sessions.displayName(open.owner),
      },
    });
    let replayed = 0;
    if (open) {
      for (const e of await hub.chats.events(open.id, frame.lastSeq ?? 0).catch(() => [])) {
        if (!e.priv) conn.sendNow({t: 'ev', chatId: open.id, e});
        replayed = e.seq;
      }
    }
    // An event stored while this was read went out in the replay: not again.
    heldBack = (frame) => {
      const f = frame as HubToVisitor;
      return f.t === 'ev' && f.chatId === open?.id && f.e.seq <= replayed;
    };
  } catch (error) {
    drop(hub, conn, live);
    throw error;
  } finally {
    conn.release(heldBack);
  }
  hub.sessions.toOperators({t: 'visitor.update', visitor: hub.sessions.visitorSummary(live)}, site.domain);
  return live;
}

/**
 * A returning visitor's own small files (its record, the last lines of its log), read at once
 * rather than through the file thread pool. After a restart ten thousand of them come back
 * together: seven round trips of the pool per visitor took a fifth of the hub's time, where
 * reading a small file the page cache holds takes a few microseconds.
 */
function atOnce<T>(hub: Hub, read: () => Promise<T>): Promise<T> {
  return hub.store.bulk ? hub.store.bulk(read) : read();
}

/** The stored visitor, only when the resume secret proves the id. */
async function known(hub: Hub, visitorId: string, token: string, site: SiteRecord): Promise<VisitorRecord | undefined> {
  const record =
    hub.sessions.visitors.get(visitorId)?.record ??
    (await hub.store.visitor(visitorId).catch((error: unknown) => {
      // A damaged record is left as it is and named; the visitor carries on as a new one.
      if (error instanceof DamagedError) hub.log(`${error.message}; visitor ${visitorId} starts afresh`);
      return undefined;
    }));
  if (!record || record.site !== site.domain || !sameHash(record.tokenHash, sha256(token))) return undefined;
  return record;
}

/** Chat messages a visitor may send a minute: people type far slower; scripts do not. */
const MAX_MESSAGES_PER_MINUTE = 40;

function limitMessages(hub: Hub, live: LiveVisitor): void {
  const now = hub.now();
  // Trimmed in place: a new array made for each message lived until the visitor's next one,
  // long enough to be promoted to the old generation only to die there.
  const sent = (live.sent ??= []);
  while (sent.length > 0 && now - sent[0]! >= 60_000) sent.shift();
  if (sent.length >= MAX_MESSAGES_PER_MINUTE) throw new HubError('slow_down', 'too many messages: please wait a moment');
  sent.push(now);
}

async function handle(hub: Hub, conn: VisitorConn, live: LiveVisitor, frame: VisitorToHub, next: () => void): Promise<void> {
  const visitor = live.record;
  const site = live.site.domain;
  switch (frame.t) {
    case 'page': {
      await spendPage(hub, live.site, visitor.id);
      await recordPage(hub, live, frame);
      hub.sessions.toOperators({t: 'visitor.update', visitor: hub.sessions.visitorSummary(live)}, site);
      return;
    }
    case 'chat.request': {
      limitMessages(hub, live);
      if (!visitor.chatId) await spend(hub, live.site, conn.ip, 'requests-per-minute', 'chat requests');
      const outcome = await requestChat(hub, live, frame);
      if (outcome.t === 'offline') conn.send({t: 'chat.offline'});
      else if (outcome.t === 'refused') conn.send({t: 'chat.refused', reason: 'blocked', until: outcome.until});
      else {
        conn.send({t: 'chat.queued', chatId: outcome.chatId});
        conn.send({t: 'ack', id: frame.id, seq: outcome.e.seq});
      }
      hub.sessions.toOperators({t: 'visitor.update', visitor: hub.sessions.visitorSummary(live)}, site);
      return;
    }
    case 'msg': {
      limitMessages(hub, live);
      const chat = visitor.chatId ? await hub.chats.get(visitor.chatId) : undefined;
      if (!chat) throw new HubError('no_chat', 'there is no open chat');
      const e = await visitorMessage(hub, chat, visitor.name, frame.id, frame.text, next);
      conn.send({t: 'ack', id: frame.id, seq: e.seq});
      return;
    }
    case 'typing': {
      passTyping(hub, live, frame);
      return;
    }
    case 'chat.leave': {
      if (visitor.chatId) await visitorLeft(hub, visitor.chatId);
      return;
    }
    case 'identify': {
      // A page may call identify on every load: only a change costs (a write, an update to
      // every operator of the site), and changes have a budget per visitor.
      if (!(await takeNames(hub, live, frame, () => spendIdentify(hub, visitor.id)))) return;
      hub.sessions.toOperators({t: 'visitor.update', visitor: hub.sessions.visitorSummary(live)}, site);
      return;
    }
    case 'offline.message':
      await leaveMessage(hub, conn, live, frame, () => limitMessages(hub, live));
      return;
    case 'invite.dismiss':
      dismissInvite(hub, live);
      return;
    case 'ping':
      conn.send({t: 'pong'});
      return;
    case 'hello':
      throw new HubError('hello_twice', 'already said hello');
  }
}
