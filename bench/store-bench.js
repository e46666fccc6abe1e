// npm run bench: what a durable message write costs, and how many the store sustains.
// Runs against the built store (dist/) in the hub's journalled mode, in a temporary folder on the same disk as the system
// temp dir. Figures are printed, never asserted: they depend on the machine's disk.
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {LowStore} from '../dist/store/low-store.js';

const HISTORY = 20; // events already in each stored chat

function chat(id, events) {
  return {
    id, kind: 'visitor', site: 'example.com', state: 'active', owner: 'alice', operators: ['alice'],
    requestedAt: Date.now(), ids: {},
    events: Array.from({length: events}, (_, i) => ({seq: i + 1, at: Date.now(), kind: 'msg', from: 'visitor', name: 'V', text: `message ${i} `.repeat(4)})),
  };
}

async function seed(dir, count) {
  await mkdir(join(dir, 'chats'), {recursive: true});
  for (let i = 0; i < count; i += 500) {
    await Promise.all(Array.from({length: Math.min(500, count - i)}, (_, j) =>
      writeFile(join(dir, 'chats', `c${i + j}.json`), JSON.stringify(chat(`c${i + j}`, HISTORY)))));
  }
}

async function append(store, db) {
  const seq = db.data.events.length + 1;
  const id = `m${seq}-${Math.random().toString(36).slice(2)}`;
  db.data.events.push({seq, at: Date.now(), kind: 'msg', from: 'operator', name: 'alice', text: 'How can I help you today?', id});
  db.data.ids[id] = seq;
  await store.save(db);
}

/** Mean time of one durable write to one chat, one after another, among `stored` chats. */
async function writeCost(stored, writes = 300) {
  const dir = await mkdtemp(join(tmpdir(), 'cac-bench-'));
  await seed(dir, stored);
  const store = await new LowStore(dir, {journal: true}).open();
  const ids = await store.chatIds();
  const dbs = [];
  for (let i = 0; i < 10; i++) dbs.push(await store.chat(ids[Math.floor((i * ids.length) / 10)]));
  for (const db of dbs) await append(store, db); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < writes; i++) await append(store, dbs[i % dbs.length]);
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / writes;
  await store.close();
  await rm(dir, {recursive: true, force: true});
  return ms;
}

/** Durable messages per second with `chats` chats each writing `each` messages at once. */
async function throughput(chats = 500, each = 40) {
  const dir = await mkdtemp(join(tmpdir(), 'cac-bench-'));
  await seed(dir, chats);
  const store = await new LowStore(dir, {journal: true}).open();
  const dbs = [];
  for (const id of await store.chatIds()) dbs.push(await store.chat(id));
  const start = process.hrtime.bigint();
  // Each chat writes its messages one after another (a peer waits for its ack before the next
  // would matter); all chats at once, so writes that arrive together share one flush.
  await Promise.all(dbs.map(async (db) => { for (let i = 0; i < each; i++) await append(store, db); }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await store.close();
  await rm(dir, {recursive: true, force: true});
  return (chats * each) / seconds;
}

const small = await writeCost(10);
const large = await writeCost(10_000);
console.log(`one durable message write, 10 stored chats:     ${small.toFixed(3)} ms`);
console.log(`one durable message write, 10,000 stored chats: ${large.toFixed(3)} ms`);
console.log(`ratio (10,000 / 10): ${(large / small).toFixed(2)}x (aim: within 1.5x)`);
const rate = await throughput();
console.log(`durable messages per second, 500 chats writing at once: ${Math.round(rate)} /s (aim: 5,000/s or more)`);
