// npm run bench: what a durable message costs in the store, in a short chat and a long one,
// beside a bare append + fdatasync of the same bytes (the floor the disk sets). Runs against the
// built store (dist/) in the hub's journalled mode, in a temporary folder on the same disk as the
// system temp dir. Figures are printed, never asserted: they depend on the machine's disk.
import {closeSync, fdatasyncSync, openSync, writeSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {EmbeddedStore} from '../dist/store/embedded-store.js';

const WRITES = 2000;
const msg = (text, id) => ({kind: 'msg', from: 'operator', name: 'Alice', text, at: Date.now(), ...(id ? {id} : {})});
const chat = (id) => ({id, kind: 'visitor', site: 'example.com', state: 'active', owner: 'alice', operators: ['alice'], requestedAt: Date.now()});

/** A store with a chat of `length` events already in its log; the journal emptied. */
async function storeWithChat(length) {
  const dir = await mkdtemp(join(tmpdir(), 'cac-store-bench-'));
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  await store.putChat(chat('c'));
  for (let i = 0; i < length; i += 1000) {
    await Promise.all(Array.from({length: Math.min(1000, length - i)}, (_, j) => store.appendEvent('c', msg(`earlier message ${i + j}`))));
  }
  await store.close();
  const fresh = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await fresh.open();
  await fresh.appendEvent('c', msg('warm up')); // the chat's log is read once, here
  return {dir, store: fresh};
}

/** Mean ms of one durable message, one after another (each waits for its own fdatasync). */
async function writeCost(length) {
  const {dir, store} = await storeWithChat(length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < WRITES; i++) await store.appendEvent('c', msg('How can I help you today?', `client-id-${i}-xxxxxx`));
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / WRITES;
  await store.close();
  await rm(dir, {recursive: true, force: true});
  return ms;
}

/**
 * The same number of appends of a 200-byte line, each followed by fdatasync: the disk's floor.
 * `madeAhead`: into a file whose space was written (zeros) and made durable first, as the
 * journal's segments are once made ahead: each fdatasync then has data to write and no
 * file-system metadata (a new size, new blocks) to commit.
 */
async function bareFsync({madeAhead = false} = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'cac-fsync-bench-'));
  const fd = openSync(join(dir, 'bare.log'), madeAhead ? 'w' : 'a');
  const line = Buffer.from('x'.repeat(199) + '\n');
  if (madeAhead) {
    writeSync(fd, Buffer.alloc(WRITES * line.length));
    fdatasyncSync(fd);
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < WRITES; i++) {
    writeSync(fd, line, 0, line.length, madeAhead ? i * line.length : null);
    fdatasyncSync(fd);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / WRITES;
  closeSync(fd);
  await rm(dir, {recursive: true, force: true});
  return ms;
}

/** Durable messages per second with `chats` chats each writing `each` messages at once. */
async function throughput(chats = 500, each = 40) {
  const dir = await mkdtemp(join(tmpdir(), 'cac-store-bench-'));
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  for (let i = 0; i < chats; i++) await store.putChat(chat(`c${i}`));
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({length: chats}, async (_, c) => {
      for (let i = 0; i < each; i++) await store.appendEvent(`c${c}`, msg(`message ${i}`, `m-${c}-${i}-xxxxxxxx`));
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await store.close();
  await rm(dir, {recursive: true, force: true});
  return (chats * each) / seconds;
}

const bare = await bareFsync();
const ahead = await bareFsync({madeAhead: true});
const short = await writeCost(10);
const long = await writeCost(10_000);
console.log('store: one durable message, each waiting for its own write');
console.log(`  bare append + fdatasync (baseline):   ${bare.toFixed(3)} ms`);
console.log(`  the same into space made ahead:       ${ahead.toFixed(3)} ms (${(ahead / bare).toFixed(2)}x: a journal segment made ahead)`);
console.log(`  in a chat of 10 events:               ${short.toFixed(3)} ms (${(short / bare).toFixed(2)}x the baseline)`);
console.log(`  in a chat of 10,000 events:           ${long.toFixed(3)} ms (${(long / bare).toFixed(2)}x the baseline)`);
console.log(`  10,000 against 10: ${(long / short).toFixed(2)}x (aim: within 1.2x)`);
const rate = await throughput();
console.log(`store: durable messages per second, 500 chats writing at once: ${Math.round(rate)} /s`);
