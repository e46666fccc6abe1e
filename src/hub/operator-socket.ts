import type {WebSocket} from 'ws';
import {PROTOCOL_VERSION, operatorToHub, type OperatorToHub} from '../protocol/index.js';
import {blockChat, endChat, leaveChat, scheduleRelease} from './chat-end.js';
import {acceptChat, operatorMessage, sendLink} from './chats.js';
import {CloseCode, Conn} from './conn.js';
import {HubError} from './errors.js';
import {credentialOf} from './operator-auth.js';
import {serveFrames} from './frames.js';
import type {Hub} from './hub.js';
import type {OperatorConn} from './sessions.js';
import {inviteVisitor} from './invite.js';
import {addCanned, editCanned, removeCanned} from './canned.js';
import {exportChat, messageDone, opMessage, readableChat, setStatus, visitorInfo} from './operator-actions.js';
import {listsTurn, sendSnapshot} from './snapshot.js';
import {declineOffer, offersGone, transferChat} from './transfer.js';

/** Wires one authenticated operator socket to the model. */
export function attachOperator(hub: Hub, ws: WebSocket, operator: string, credential: string, ip: string, userAgent: string): void {
  const conn = new Conn(ws, ip, userAgent) as OperatorConn;
  conn.operator = operator;
  conn.credential = credential;
  let greeted = false;
  hub.sessions.allOperatorConns.add(conn);
  // Revoked between the upgrade and now (credentials checked, socket not yet attached).
  if (!stillValid(hub, conn)) conn.close(CloseCode.revoked, 'operator removed, token reset or sites changed');

  serveFrames(hub, conn, operatorToHub, async (frame, next) => {
    if (!stillValid(hub, conn)) {
      conn.close(CloseCode.revoked, 'operator removed, token reset or sites changed');
      return;
    }
    if (frame.t === 'hello') {
      // Served once: a second one queued behind a slow first would join the socket again,
      // possibly after it closed (see below).
      if (greeted) throw new HubError('hello_twice', 'already said hello');
      if (frame.v !== PROTOCOL_VERSION) {
        conn.send({t: 'error', code: 'version', message: `protocol ${PROTOCOL_VERSION} required`});
        conn.close(CloseCode.badVersion, 'protocol version');
        return;
      }
      greeted = true;
      const turn = listsTurn(hub);
      if (turn) await turn;
      // Gone already (while it waited, or before its frame came up): the close handler has run,
      // so joining now would count a dead socket as connected for good. Never joined, nothing to undo.
      if (conn.ws.readyState !== conn.ws.OPEN) return;
      join(hub, conn);
      sendSnapshot(hub, conn, operator);
      for (const [chatId, after] of Object.entries(frame.lastSeq ?? {})) {
        const chat = await readableChat(hub, operator, chatId).catch(() => undefined);
        if (chat) await replay(hub, conn, chatId, after);
      }
      return;
    }
    if (!greeted) throw new HubError('hello_first', 'send hello first');
    await handle(hub, conn, frame, next);
  });

  ws.on('close', () => {
    hub.sessions.allOperatorConns.delete(conn);
    const conns = hub.sessions.operatorConns.get(operator);
    if (!conns?.delete(conn)) return;
    if (conns.size > 0) return;
    // Gone with its last socket: the map holds who is connected now (/healthz counts it).
    hub.sessions.operatorConns.delete(operator);
    hub.sessions.onLocalOperators?.();
    if (!hub.stopped) hub.note({type: 'operator.status', at: hub.now(), operator, status: hub.sessions.statusOf(operator), connected: false});
    hub.sessions.toOperators({t: 'operator.update', operator: hub.sessions.operatorSummary(operator)}, undefined, operator);
    hub.sessions.announceAvailability();
    scheduleRelease(hub, operator);
    // A chat offered to someone who is gone waits for everyone again.
    offersGone(hub, operator).catch((error: unknown) => hub.log(`offers of ${operator}: ${String(error)}`));
  });
}

function stillValid(hub: Hub, conn: OperatorConn): boolean {
  const op = hub.sessions.operators.get(conn.operator);
  return op !== undefined && credentialOf(op) === conn.credential;
}

/** Sends what a client missed of a chat, then says it is up to date. */
async function replay(hub: Hub, conn: OperatorConn, chatId: string, after: number): Promise<void> {
  const events = await hub.chats.events(chatId, after);
  for (const e of events) conn.send({t: 'ev', chatId, e});
  const seq = events.at(-1)?.seq ?? (await hub.chats.get(chatId))?.lastSeq ?? 0;
  conn.send({t: 'synced', chatId, seq});
}

function join(hub: Hub, conn: OperatorConn): void {
  const name = conn.operator;
  const s = hub.sessions;
  hub.deadlines.cancel({kind: 'operator', operator: name});
  let conns = s.operatorConns.get(name);
  if (!conns) s.operatorConns.set(name, (conns = new Set()));
  conns.add(conn);
  if (conns.size === 1) {
    s.onLocalOperators?.();
    hub.note({type: 'operator.status', at: hub.now(), operator: name, status: s.statusOf(name), connected: true});
    s.toOperators({t: 'operator.update', operator: s.operatorSummary(name)}, undefined, name);
  }
  s.announceAvailability();
}

async function handle(hub: Hub, conn: OperatorConn, frame: OperatorToHub, next: () => void): Promise<void> {
  const me = conn.operator;
  switch (frame.t) {
    case 'status':
      await setStatus(hub, me, frame.status);
      return;
    case 'chat.accept':
      await acceptChat(hub, me, frame.chatId);
      return;
    case 'msg': {
      const e = await operatorMessage(hub, me, frame.chatId, frame.id, frame.text, next);
      conn.send({t: 'ack', id: frame.id, seq: e.seq, chatId: frame.chatId});
      return;
    }
    case 'op.msg': {
      const {chatId, e} = await opMessage(hub, me, frame.to, frame.id, frame.text);
      conn.send({t: 'ack', id: frame.id, seq: e.seq, chatId});
      return;
    }
    case 'typing': {
      const chat = hub.chats.open.get(frame.chatId)?.chat;
      if (chat?.owner === me && chat.visitorId) {
        hub.sessions.toVisitor(chat.visitorId, {t: 'typing', typing: frame.typing, name: hub.sessions.displayName(me)});
      }
      return;
    }
    case 'chat.leave':
      await leaveChat(hub, me, frame.chatId);
      return;
    case 'chat.end':
      await endChat(hub, me, frame.chatId);
      return;
    case 'chat.block':
      await blockChat(hub, me, frame.chatId);
      return;
    case 'link.send': {
      const e = await sendLink(hub, me, frame.chatId, frame.id, frame.url);
      conn.send({t: 'ack', id: frame.id, seq: e.seq, chatId: frame.chatId});
      return;
    }
    case 'chat.sync':
      await readableChat(hub, me, frame.chatId);
      await replay(hub, conn, frame.chatId, frame.after);
      return;
    case 'visitor.details':
    case 'visitor.visits':
    case 'visitor.chats':
      conn.send(await visitorInfo(hub, me, frame.t, frame.visitorId));
      return;
    case 'canned.add':
      await addCanned(hub, me, frame.shortcut, frame.text, frame.team ?? false);
      return;
    case 'canned.edit':
      await editCanned(hub, me, frame.id, frame.shortcut, frame.text);
      return;
    case 'canned.remove':
      await removeCanned(hub, me, frame.id);
      return;
    case 'chat.transfer':
      await transferChat(hub, me, frame.chatId, frame.to, frame.note);
      return;
    case 'chat.decline':
      await declineOffer(hub, me, frame.chatId);
      return;
    case 'visitor.invite':
      await inviteVisitor(hub, me, frame.visitorId, frame.text);
      return;
    case 'chat.export':
      conn.send(await exportChat(hub, me, frame.chatId));
      return;
    case 'message.done':
      await messageDone(hub, me, frame.id);
      return;
    case 'ping':
      conn.send({t: 'pong'});
      return;
    case 'hello':
      return;
  }
}
