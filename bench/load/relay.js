// The baseline: a bare `ws` relay with the hub's two endpoints and frames, and no storage, no
// validation, no presence. It answers what the load needs (hello, chat.request, chat.accept,
// msg) with the frames the hub sends for them, so both servers carry the same traffic:
// a visitor msg becomes an `ev` to the operator, the same `ev` back to the visitor, and an `ack`;
// an operator msg the same the other way. What the hub costs beyond this is its own work.
//
//   node bench/load/relay.js --port P [--host 127.0.0.1]

import {randomBytes} from 'node:crypto';
import {createServer} from 'node:http';
import {WebSocketServer} from 'ws';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const port = Number(option('--port', '8080'));
const host = option('--host', '127.0.0.1');

const id = () => randomBytes(12).toString('base64url');
/** chatId -> {visitor, operator, seq}; a chat lives as long as this process. */
const chats = new Map();

const http = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, {'Content-Type': 'application/json'}).end(JSON.stringify({ok: true, visitors: visitors.clients.size}));
  } else res.writeHead(404).end();
});
const visitors = new WebSocketServer({noServer: true, maxPayload: 64 * 1024});
const operators = new WebSocketServer({noServer: true, maxPayload: 64 * 1024});
http.on('upgrade', (req, socket, head) => {
  socket.on('error', () => socket.destroy());
  const path = req.url.split('?')[0];
  const wss = path === '/ws/visitor' ? visitors : path === '/ws/operator' ? operators : undefined;
  if (!wss) return socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});

function event(chat, from, text, msgId) {
  chat.seq += 1;
  const e = {kind: 'msg', from, name: from === 'visitor' ? 'Visitor' : 'Operator', text, id: msgId, seq: chat.seq, at: Date.now()};
  return JSON.stringify({t: 'ev', chatId: chat.id, e});
}

visitors.on('connection', (ws) => {
  let chat;
  ws.on('error', () => {});
  ws.on('message', (data) => {
    const f = JSON.parse(data.toString());
    if (f.t === 'hello') {
      ws.send(JSON.stringify({t: 'welcome', visitorId: f.visitorId ?? id(), resumeToken: f.resumeToken ?? id(), online: true, preview: false}));
    } else if (f.t === 'chat.request') {
      chat = {id: id(), visitor: ws, operator: undefined, seq: 0};
      chats.set(chat.id, chat);
      const ev = event(chat, 'visitor', f.text, f.id);
      ws.send(JSON.stringify({t: 'chat.queued', chatId: chat.id}));
      ws.send(JSON.stringify({t: 'ack', id: f.id, seq: chat.seq}));
      ws.send(ev);
    } else if (f.t === 'msg' && chat) {
      const ev = event(chat, 'visitor', f.text, f.id);
      if (chat.operator?.readyState === 1) chat.operator.send(ev);
      ws.send(ev);
      ws.send(JSON.stringify({t: 'ack', id: f.id, seq: chat.seq}));
    } else if (f.t === 'ping') ws.send('{"t":"pong"}');
  });
  ws.on('close', () => {
    if (chat) chats.delete(chat.id);
  });
});

operators.on('connection', (ws, req) => {
  const name = String(req.headers['x-cac-operator'] ?? 'operator');
  ws.on('error', () => {});
  ws.on('message', (data) => {
    const f = JSON.parse(data.toString());
    if (f.t === 'hello') {
      const me = {name, displayName: name, status: 'online', connected: true};
      ws.send(JSON.stringify({t: 'ready', me, hub: 'relay', operators: [], visitors: [], chats: [], messages: [], canned: []}));
    } else if (f.t === 'chat.accept') {
      const chat = chats.get(f.chatId);
      if (!chat) return ws.send(JSON.stringify({t: 'error', code: 'unknown_chat', message: 'no such chat', ref: f.chatId}));
      chat.operator = ws;
      chat.seq += 1;
      const join = JSON.stringify({t: 'ev', chatId: chat.id, e: {kind: 'join', from: 'operator', name, text: `${name} joined the chat`, seq: chat.seq, at: Date.now()}});
      ws.send(JSON.stringify({t: 'chat.assigned', chatId: chat.id, operator: name}));
      ws.send(join);
      chat.visitor.send(join);
    } else if (f.t === 'msg') {
      const chat = chats.get(f.chatId);
      if (!chat || chat.operator !== ws) return;
      const ev = event(chat, 'operator', f.text, f.id);
      if (chat.visitor.readyState === 1) chat.visitor.send(ev);
      ws.send(ev);
      ws.send(JSON.stringify({t: 'ack', id: f.id, seq: chat.seq, chatId: chat.id}));
    } else if (f.t === 'ping') ws.send('{"t":"pong"}');
  });
});

http.listen(port, host);
