import type {WebSocket} from 'ws';
import {PROTOCOL_VERSION, visitorToHub, type VisitorToHub} from '../protocol/index.js';
import type {SiteRecord, VisitorRecord} from '../store/types.js';
import {activeBlock} from './blocks.js';
import {requestChat, visitorLeft, visitorMessage} from './chats.js';
import {CloseCode, Conn} from './conn.js';
import {HubError} from './errors.js';
import type {Hub, LiveVisitor, VisitorConn} from './hub.js';
import {newSecret, randomId, sameHash, sha256} from '../lib/secrets.js';
import {recordPage} from './visits.js';
import {serveFrames} from './frames.js';

/** Wires one visitor tab's socket (site and Origin were checked in the upgrade) to the model. */
export function attachVisitor(hub: Hub, ws: WebSocket, site: SiteRecord, ip: string, userAgent: string): void {
  const conn = new Conn(ws, ip, userAgent) as VisitorConn;
  conn.site = site;
  let live: LiveVisitor | undefined;
  let greeting = false;
  let closed = false;

  serveFrames(hub, conn, visitorToHub, async (frame) => {
    if (frame.t === 'hello') {
      if (greeting || live) throw new HubError('hello_twice', 'already said hello');
      greeting = true;
      live = await hello(hub, conn, site, frame).finally(() => (greeting = false));
      // The tab may have gone while hello was being stored: it must still count as gone.
      if (closed) drop(hub, conn, live);
      return;
    }
    if (!live) throw new HubError('hello_first', 'send hello first');
    await handle(hub, conn, live, frame);
  });

  ws.on('close', () => {
    closed = true;
    if (live) drop(hub, conn, live);
  });
}

/** One socket of a visitor is gone; when it was the last, the grace period starts. */
function drop(hub: Hub, conn: VisitorConn, live: LiveVisitor): void {
  live.conns.delete(conn);
  if (live.conns.size > 0 || hub.stopped) return;
  clearTimeout(live.goneTimer);
  // Navigating to another page drops the socket for a moment: that is not leaving.
  live.goneTimer = setTimeout(() => {
    if (live.conns.size > 0) return;
    hub.visitors.delete(live.doc.data.id);
    hub.store.release(live.doc);
    hub.toOperators({t: 'visitor.gone', visitorId: live.doc.data.id}, live.site.domain);
    const chatId = live.doc.data.chatId;
    if (chatId) visitorLeft(hub, chatId).catch((error: unknown) => hub.log(`visitor left: ${String(error)}`));
  }, hub.visitorGraceMs);
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
  if (hub.findSite(frame.site)?.domain !== site.domain) throw new HubError('site', 'hello names another site');
  let token = frame.resumeToken ?? '';
  let doc = frame.visitorId && token ? await known(hub, frame.visitorId, token, site) : undefined;
  if (!doc) {
    token = newSecret();
    const now = hub.now();
    const record: VisitorRecord = {
      id: randomId(),
      site: site.domain,
      tokenHash: sha256(token),
      firstSeen: now,
      lastSeen: now,
      chats: [],
      visits: [],
    };
    doc = hub.store.newVisitor(record);
  }
  const id = doc.data.id;
  let live = hub.visitors.get(id);
  if (!live) {
    live = {doc, site, conns: new Set(), ip: conn.ip, userAgent: conn.userAgent};
    hub.visitors.set(id, live);
  }
  clearTimeout(live.goneTimer);
  live.ip = conn.ip;
  live.userAgent = conn.userAgent;
  live.conns.add(conn);
  conn.visitorId = id;
  if (frame.page) recordPage(hub, live, frame.page);
  await hub.store.save(doc);

  const chat = doc.data.chatId ? await hub.chat(doc.data.chatId) : undefined;
  const open = chat && chat.data.state !== 'ended' ? chat.data : undefined;
  conn.send({
    t: 'welcome',
    visitorId: id,
    resumeToken: token,
    online: hub.onlineFor(site.domain).length > 0,
    preview: site.preview,
    blockedUntil: activeBlock(hub, site.domain, id, conn.ip)?.until,
    chat: open && {
      id: open.id,
      state: open.state,
      operator: open.owner && (hub.operators.get(open.owner)?.displayName ?? open.owner),
    },
  });
  if (open) {
    const after = frame.lastSeq ?? 0;
    for (const e of open.events) if (e.seq > after && !e.priv) conn.send({t: 'ev', chatId: open.id, e});
  }
  hub.toOperators({t: 'visitor.update', visitor: hub.visitorSummary(live)}, site.domain);
  return live;
}

/** The stored visitor, only when the resume secret proves the id. */
async function known(hub: Hub, visitorId: string, token: string, site: SiteRecord) {
  const doc = hub.visitors.get(visitorId)?.doc ?? (await hub.store.visitor(visitorId).catch(() => undefined));
  if (!doc || doc.data.site !== site.domain || !sameHash(doc.data.tokenHash, sha256(token))) return undefined;
  return doc;
}

/** Messages a visitor may leave while nobody is on-line, and how many the hub keeps at most. */
const MAX_OFFLINE_PER_VISITOR = 10;
const MAX_OFFLINE = 10_000;
/** Chat messages a visitor may send a minute: people type far slower; scripts do not. */
const MAX_MESSAGES_PER_MINUTE = 40;

function limitMessages(hub: Hub, live: LiveVisitor): void {
  const now = hub.now();
  live.sent = (live.sent ?? []).filter((at) => now - at < 60_000);
  if (live.sent.length >= MAX_MESSAGES_PER_MINUTE) throw new HubError('slow_down', 'too many messages: please wait a moment');
  live.sent.push(now);
}

async function handle(hub: Hub, conn: VisitorConn, live: LiveVisitor, frame: VisitorToHub): Promise<void> {
  const visitor = live.doc.data;
  const site = live.site.domain;
  switch (frame.t) {
    case 'page': {
      recordPage(hub, live, frame);
      await hub.store.save(live.doc);
      hub.toOperators({t: 'visitor.update', visitor: hub.visitorSummary(live)}, site);
      return;
    }
    case 'chat.request': {
      limitMessages(hub, live);
      const outcome = await requestChat(hub, live, frame);
      if (outcome.t === 'offline') conn.send({t: 'chat.offline'});
      else if (outcome.t === 'refused') conn.send({t: 'chat.refused', reason: 'blocked', until: outcome.until});
      else {
        conn.send({t: 'chat.queued', chatId: outcome.chatId});
        conn.send({t: 'ack', id: frame.id, seq: outcome.e.seq});
      }
      hub.toOperators({t: 'visitor.update', visitor: hub.visitorSummary(live)}, site);
      return;
    }
    case 'msg': {
      limitMessages(hub, live);
      const chat = visitor.chatId ? await hub.chat(visitor.chatId) : undefined;
      if (!chat) throw new HubError('no_chat', 'there is no open chat');
      const e = await visitorMessage(hub, chat, visitor.name, frame.id, frame.text);
      conn.send({t: 'ack', id: frame.id, seq: e.seq});
      return;
    }
    case 'typing': {
      const chat = visitor.chatId ? await hub.chat(visitor.chatId) : undefined;
      if (chat?.data.owner) {
        const preview = live.site.preview && frame.typing ? frame.preview : undefined;
        hub.toOperator(chat.data.owner, {t: 'typing', chatId: chat.data.id, typing: frame.typing, preview});
      }
      return;
    }
    case 'chat.leave': {
      if (visitor.chatId) await visitorLeft(hub, visitor.chatId);
      return;
    }
    case 'identify': {
      if (frame.name) visitor.name = frame.name;
      if (frame.email) visitor.email = frame.email;
      const chat = visitor.chatId ? await hub.chat(visitor.chatId) : undefined;
      if (chat) {
        chat.data.visitorName = visitor.name;
        chat.data.visitorEmail = visitor.email;
      }
      await hub.store.save(live.doc);
      hub.toOperators({t: 'visitor.update', visitor: hub.visitorSummary(live)}, site);
      return;
    }
    case 'offline.message': {
      limitMessages(hub, live);
      if (activeBlock(hub, site, visitor.id, conn.ip)) throw new HubError('blocked', 'messages cannot be left right now');
      const db = await hub.store.global('messages');
      const mine = db.data.messages.filter((m) => m.visitorId === visitor.id).length;
      if (mine >= MAX_OFFLINE_PER_VISITOR) throw new HubError('too_many', 'you have already left us several messages; we will be in touch');
      if (db.data.messages.length >= MAX_OFFLINE) throw new HubError('full', 'messages cannot be left right now; please try later');
      const message = {
        id: frame.id,
        site,
        visitorId: visitor.id,
        name: frame.name ?? visitor.name,
        email: frame.email ?? visitor.email,
        text: frame.text,
        at: hub.now(),
      };
      if (!db.data.messages.some((m) => m.id === frame.id)) {
        db.data.messages.push(message);
        await hub.store.save(db);
        hub.toOperators({t: 'offline.message', message}, site);
      }
      conn.send({t: 'offline.stored', id: frame.id});
      return;
    }
    case 'ping':
      conn.send({t: 'pong'});
      return;
    case 'hello':
      throw new HubError('hello_twice', 'already said hello');
  }
}
