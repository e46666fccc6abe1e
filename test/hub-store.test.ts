import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import t from 'tap';
import {addOperator} from '../src/accounts/operators.js';
import {addSite} from '../src/accounts/sites.js';
import {startHub} from '../src/hub/server.js';
import {hubToOperator, hubToVisitor, PROTOCOL_VERSION} from '../src/protocol/index.js';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {MemoryStore} from '../src/store/memory-store.js';
import {acceptedChat, chatting, seedData, startTestHub} from './helpers/hub.js';
import {countingFiles} from './helpers/files.js';
import {Peer} from './helpers/peer.js';

t.test('message ids named like Object.prototype members work for msg and op.msg', async (t) => {
  const {hub, alice, visitor, chatId} = await chatting(t);
  const bob = await hub.operator('bob');
  for (const id of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'isPrototypeOf']) {
    visitor.send({t: 'msg', id, text: `visitor ${id}`});
    const ack = await visitor.waitType('ack', (f) => f.id === id);
    alice.send({t: 'op.msg', id, to: 'bob', text: `alice ${id}`});
    const opAck = await alice.waitType('ack', (f) => f.id === id && f.chatId === 'op~alice~bob');
    await bob.waitType('ev', (f) => f.e.text === `alice ${id}`);
    // And once more: a resend, acked with the same seq and stored once.
    visitor.send({t: 'msg', id, text: `visitor ${id}`});
    await visitor.waitFor((f) => f.t === 'ack' && f.id === id && visitor.of('ack').filter((a) => a.id === id).length === 2);
    t.equal(visitor.of('ack').filter((a) => a.id === id)[1]!.seq, ack.seq, `${id}: resend acked with its seq`);
    t.ok(opAck.seq > 0);
  }
  t.same(alice.of('error'), [], 'no error, least of all internal');
  t.same(visitor.of('error'), []);
  const events = await hub.hub.store.events(chatId);
  t.same(events.filter((e) => e.from === 'visitor' && e.kind === 'msg').map((e) => e.id).slice(1), ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'isPrototypeOf']);
});

t.test('the hub runs on the in-memory store: a whole chat with nothing on disk', async (t) => {
  const store = new MemoryStore();
  await addSite(store, 'example.com');
  const {token} = await addOperator(store, 'alice');
  const running = await startHub({dataDir: '/nonexistent/never-created', store, port: 0});
  t.teardown(() => running.close());
  const ws = running.url.replace('http', 'ws');
  const alice = await Peer.connect(`${ws}/ws/operator`, hubToOperator, {headers: {authorization: `Bearer ${token}`, 'x-cac-operator': 'alice'}});
  alice.send({t: 'hello', v: PROTOCOL_VERSION});
  await alice.waitType('ready');
  const hub = {url: running.url};
  const visitor = await Peer.connect(`${hub.url.replace('http', 'ws')}/ws/visitor?site=example.com`, hubToVisitor, {origin: 'https://example.com'});
  visitor.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com', page: {url: 'https://example.com/', title: 'Home'}});
  await visitor.waitType('welcome');
  const chatId = await acceptedChat(visitor, alice, 'in memory');
  visitor.send({t: 'msg', id: 'memory-message-1', text: 'kept in memory'});
  await alice.waitType('ev', (f) => f.e.text === 'kept in memory');
  t.same((await store.events(chatId)).map((e) => e.text), ['in memory', 'alice joined the chat', 'kept in memory']);
  t.same((await store.openChats()).map((c) => c.chat.state), ['active']);
});

t.test('a wrong-shaped chat document: that request fails with damaged and the log names the file; every hello still works', async (t) => {
  const lines: string[] = [];
  const first = await startTestHub({log: (l) => lines.push(l)});
  const alice = await first.operator('alice');
  const visitor = await first.visitor();
  const welcome = visitor.of('welcome')[0]!;
  const chatId = await acceptedChat(visitor, alice);
  alice.send({t: 'chat.end', chatId});
  await visitor.waitType('chat.closed');
  await first.close();
  const doc = join(first.dir, 'chats', `${chatId}.json`);
  await writeFile(doc, JSON.stringify({id: chatId, kind: 'visitor', state: 'archived'}));

  const hub = await startTestHub({dir: first.dir, log: (l) => lines.push(l)});
  t.teardown(() => hub.close());
  hub.tokens.alice = first.tokens.alice!;
  hub.tokens.bob = first.tokens.bob!;
  const bob = await hub.operator('bob');
  t.ok(bob.of('ready')[0], 'hello is answered');
  bob.send({t: 'visitor.chats', visitorId: welcome.visitorId});
  const list = await bob.waitType('visitor.chats');
  t.same(list.chats, [], 'the unreadable chat is left out of the history');
  bob.send({t: 'chat.sync', chatId, after: 0});
  const error = await bob.waitType('error');
  t.same([error.code, error.ref], ['damaged', chatId]);
  t.match(lines.join('\n'), new RegExp(`${chatId}\\.json is damaged: `));
  // The visitor carries on (its own record is fine) and can start a new chat.
  const back = await hub.visitor({hello: {visitorId: welcome.visitorId, resumeToken: welcome.resumeToken}});
  t.equal(back.of('welcome')[0]!.visitorId, welcome.visitorId);
});

t.test('a damaged visitor record is named in the log; that visitor starts afresh, the file is kept', async (t) => {
  const lines: string[] = [];
  const first = await startTestHub({log: (l) => lines.push(l)});
  const visitor = await first.visitor();
  const welcome = visitor.of('welcome')[0]!;
  await first.close();
  const file = join(first.dir, 'visitors', `${welcome.visitorId}.json`);
  await writeFile(file, '{"id": "cut sh');
  const hub = await startTestHub({dir: first.dir, log: (l) => lines.push(l)});
  t.teardown(() => hub.close());
  const back = await hub.visitor({hello: {visitorId: welcome.visitorId, resumeToken: welcome.resumeToken}});
  t.not(back.of('welcome')[0]!.visitorId, welcome.visitorId, 'a new identity');
  t.match(lines.join('\n'), new RegExp(`${welcome.visitorId}\\.json is damaged: .*starts afresh`));
  const {readFile} = await import('node:fs/promises');
  t.equal(await readFile(file, 'utf8'), '{"id": "cut sh', 'the damaged file is left for someone to look at');
});

t.test('one socket\'s messages are pipelined: stored together, acked in order', async (t) => {
  const dir = t.testdir();
  const tokens = await seedData(dir, ['alice']);
  const {files, journalWrites} = countingFiles();
  const store = new EmbeddedStore(dir, {journal: true, files, log: () => {}});
  const running = await startHub({dataDir: dir, store, port: 0});
  let closed = false;
  t.teardown(() => (closed ? undefined : running.close()));
  const ws = running.url.replace('http', 'ws');
  const alice = await Peer.connect(`${ws}/ws/operator`, hubToOperator, {headers: {authorization: `Bearer ${tokens.alice}`, 'x-cac-operator': 'alice'}});
  alice.send({t: 'hello', v: PROTOCOL_VERSION});
  await alice.waitType('ready');
  const visitor = await Peer.connect(`${ws}/ws/visitor?site=example.com`, hubToVisitor, {origin: 'https://example.com'});
  visitor.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com', page: {url: 'https://example.com/', title: 'Home'}});
  await visitor.waitType('welcome');
  const chatId = await acceptedChat(visitor, alice);
  const before = journalWrites();
  const ids = Array.from({length: 50}, (_, i) => `burst-${String(i).padStart(3, '0')}`);
  for (const id of ids) alice.send({t: 'msg', id, chatId, text: id});
  await alice.waitFor(() => alice.of('ack').length === 50);
  const acks = alice.of('ack');
  t.same(acks.map((a) => a.id), ids, 'acked in the order sent');
  t.same(acks.map((a) => a.seq), acks.map((_, i) => acks[0]!.seq + i), 'numbered in the order sent, no gap');
  t.ok(journalWrites() - before < 25, `50 messages went to disk in ${journalWrites() - before} writes, not one write each`);
  closed = true;
  await running.close();
});
