import {mkdtemp, readFile, readdir} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {hubToOperator, hubToVisitor, PROTOCOL_VERSION} from '../src/protocol/index.js';
import {NO_LIMITS, seedData} from './helpers/hub.js';
import {Peer} from './helpers/peer.js';
import {freePort, hubProcess} from './helpers/spawn.js';

t.test('SIGKILL in the middle of traffic loses no acked message', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-crash-'));
  // Twenty visitors from one address: more than its per-minute budgets allow a real one.
  const tokens = await seedData(dir, ['alice'], ['example.com'], NO_LIMITS);
  const port = await freePort();
  const ws = `ws://127.0.0.1:${port}`;
  const hubs = hubProcess(t, dir, port);
  const first = await hubs.start();
  const auth = {headers: {authorization: `Bearer ${tokens.alice}`, 'x-cac-operator': 'alice'}};
  const alice = await Peer.connect(`${ws}/ws/operator`, hubToOperator, auth);
  alice.send({t: 'hello', v: PROTOCOL_VERSION});
  await alice.waitType('ready');

  // Twenty chats, each with a visitor that keeps writing (under the per-visitor limit of 40 a minute).
  const chats: Array<{peer: Peer; chatId: string; acked: Map<string, number>}> = [];
  for (let i = 0; i < 20; i++) {
    const peer = await Peer.connect(`${ws}/ws/visitor?site=example.com`, hubToVisitor, {origin: 'https://example.com'});
    peer.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com', page: {url: 'https://example.com/', title: 'Home'}});
    await peer.waitType('welcome');
    peer.send({t: 'chat.request', id: peer.nextId(), text: `chat ${i}`});
    const {chatId} = await peer.waitType('chat.queued');
    alice.send({t: 'chat.accept', chatId});
    await peer.waitType('ev', (f) => f.e.kind === 'join');
    chats.push({peer, chatId, acked: new Map()});
  }
  for (const c of chats) {
    c.peer.ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      if (f.t === 'ack') c.acked.set(f.id, f.seq);
    });
  }
  let sending = true;
  const pumps = chats.map(async (c, i) => {
    for (let n = 0; sending && n < 38; n++) {
      if (c.peer.closed) return;
      c.peer.send({t: 'msg', id: `crash-${i}-${n}-${process.pid}`, text: `message ${n}`});
      // About a hundred a second per chat: busy, but under the hub's flood limit.
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  // Kill once a fair amount has been acknowledged.
  const deadline = Date.now() + 20_000;
  while (chats.reduce((sum, c) => sum + c.acked.size, 0) < 300 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  first.child.kill('SIGKILL');
  await first.exited;
  sending = false;
  await Promise.all(pumps);
  const totalAcked = chats.reduce((sum, c) => sum + c.acked.size, 0);
  t.ok(totalAcked >= 300, `${totalAcked} messages were acked before the kill`);

  // Every file in the data folder parses.
  for (const sub of ['', 'chats', 'visitors']) {
    for (const name of await readdir(join(dir, sub))) {
      if (!name.endsWith('.json')) continue;
      const text = await readFile(join(dir, sub, name), 'utf8');
      t.doesNotThrow(() => JSON.parse(text), `${sub}/${name} parses`);
    }
  }

  // Restarted, the hub has every acked message, in order, each once.
  const second = await hubs.start();
  const again = await Peer.connect(`${ws}/ws/operator`, hubToOperator, auth);
  again.send({t: 'hello', v: PROTOCOL_VERSION, lastSeq: Object.fromEntries(chats.map((c) => [c.chatId, 0]))});
  for (const c of chats) {
    await again.waitType('synced', (f) => f.chatId === c.chatId);
    const events = again.of('ev').filter((f) => f.chatId === c.chatId).map((f) => f.e);
    const seqs = events.map((e) => e.seq);
    t.same(seqs, seqs.map((_, i) => i + 1), 'seqs are 1..n with no gap');
    const byId = new Map(events.filter((e) => e.id).map((e) => [e.id, e.seq]));
    let missing = 0;
    for (const [id, seq] of c.acked) if (byId.get(id) !== seq) missing++;
    t.equal(missing, 0, `all ${c.acked.size} acked messages of a chat are stored with their seq`);
    const ns = events.filter((e) => e.kind === 'msg' && e.text.startsWith('message ')).map((e) => Number(e.text.slice(8)));
    t.same(ns, [...ns].sort((a, b) => a - b), 'in the order they were sent');
    t.equal(new Set(ns).size, ns.length, 'none twice');
  }
  again.close();
  second.child.kill('SIGTERM');
  t.equal(await second.exited, 0);
});
