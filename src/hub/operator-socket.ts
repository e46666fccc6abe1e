import type {WebSocket} from 'ws';
import {PROTOCOL_VERSION, operatorToHub, type OperatorToHub} from '../protocol/index.js';
import {
  acceptChat,
  blockChat,
  endChat,
  leaveChat,
  operatorMessage,
  scheduleRelease,
  sendLink,
} from './chats.js';
import {CloseCode, Conn} from './conn.js';
import {HubError} from './errors.js';
import {serveFrames} from './frames.js';
import type {Hub, OperatorConn} from './hub.js';
import {addCanned, cannedFor, opMessage, readableChat, removeCanned, setStatus, snapshot, visitorInfo} from './operator-actions.js';

/** Wires one authenticated operator socket to the model. */
export function attachOperator(hub: Hub, ws: WebSocket, operator: string, ip: string, userAgent: string): void {
  const conn = new Conn(ws, ip, userAgent) as OperatorConn;
  conn.operator = operator;
  let greeted = false;

  serveFrames(hub, conn, operatorToHub, async (frame) => {
    if (frame.t === 'hello') {
      if (frame.v !== PROTOCOL_VERSION) {
        conn.send({t: 'error', code: 'version', message: `protocol ${PROTOCOL_VERSION} required`});
        conn.close(CloseCode.badVersion, 'protocol version');
        return;
      }
      greeted = true;
      join(hub, conn);
      conn.send(snapshot(hub, operator));
      for (const [chatId, after] of Object.entries(frame.lastSeq ?? {})) {
        const chat = await readableChat(hub, operator, chatId).catch(() => undefined);
        if (!chat) continue;
        for (const e of chat.data.events) if (e.seq > after) conn.send({t: 'ev', chatId, e});
        conn.send({t: 'synced', chatId, seq: chat.data.events.at(-1)?.seq ?? 0});
      }
      return;
    }
    if (!greeted) throw new HubError('hello_first', 'send hello first');
    await handle(hub, conn, frame);
  });

  ws.on('close', () => {
    const conns = hub.operatorConns.get(operator);
    if (!conns?.delete(conn)) return;
    if (conns.size > 0) return;
    hub.toOperators({t: 'operator.update', operator: hub.operatorSummary(operator)}, undefined, operator);
    hub.announceAvailability();
    scheduleRelease(hub, operator);
  });
}

function join(hub: Hub, conn: OperatorConn): void {
  const name = conn.operator;
  clearTimeout(hub.operatorGoneTimers.get(name));
  hub.operatorGoneTimers.delete(name);
  let conns = hub.operatorConns.get(name);
  if (!conns) hub.operatorConns.set(name, (conns = new Set()));
  conns.add(conn);
  if (conns.size === 1) hub.toOperators({t: 'operator.update', operator: hub.operatorSummary(name)}, undefined, name);
  hub.announceAvailability();
}

async function handle(hub: Hub, conn: OperatorConn, frame: OperatorToHub): Promise<void> {
  const me = conn.operator;
  switch (frame.t) {
    case 'status':
      await setStatus(hub, me, frame.status);
      return;
    case 'chat.accept':
      await acceptChat(hub, me, frame.chatId);
      return;
    case 'msg': {
      const e = await operatorMessage(hub, me, frame.chatId, frame.id, frame.text);
      conn.send({t: 'ack', id: frame.id, seq: e.seq, chatId: frame.chatId});
      return;
    }
    case 'op.msg': {
      const {chatId, e} = await opMessage(hub, me, frame.to, frame.id, frame.text);
      conn.send({t: 'ack', id: frame.id, seq: e.seq, chatId});
      return;
    }
    case 'typing': {
      const chat = await hub.chat(frame.chatId);
      if (chat?.data.owner === me && chat.data.visitorId) {
        const name = hub.operators.get(me)?.displayName ?? me;
        hub.toVisitor(chat.data.visitorId, {t: 'typing', typing: frame.typing, name});
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
    case 'chat.sync': {
      const chat = await readableChat(hub, me, frame.chatId);
      for (const e of chat.data.events) if (e.seq > frame.after) conn.send({t: 'ev', chatId: frame.chatId, e});
      conn.send({t: 'synced', chatId: frame.chatId, seq: chat.data.events.at(-1)?.seq ?? 0});
      return;
    }
    case 'visitor.details':
    case 'visitor.visits':
    case 'visitor.chats':
      conn.send(await visitorInfo(hub, me, frame.t, frame.visitorId));
      return;
    case 'canned.add':
      await addCanned(hub, me, frame.shortcut, frame.text, frame.team ?? false);
      conn.send({t: 'canned.list', canned: cannedFor(hub, me)});
      return;
    case 'canned.remove':
      await removeCanned(hub, me, frame.id);
      conn.send({t: 'canned.list', canned: cannedFor(hub, me)});
      return;
    case 'ping':
      conn.send({t: 'pong'});
      return;
    case 'hello':
      return;
  }
}
