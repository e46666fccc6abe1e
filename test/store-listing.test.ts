import t from 'tap';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import type {ChatRecord} from '../src/store/types.js';

/*
 * The first listing reads every chat's document, and keeps those it was asked for until its
 * pages hand them out, so that an export reads each document once. What it hands out must still
 * be what is stored: a record stored or a chat erased during the walk, a second walk, a filter.
 */

const chat = (i: number, over: Partial<ChatRecord> = {}): ChatRecord => ({
  id: `c${i}`,
  kind: 'visitor',
  site: i % 2 === 0 ? 'a.example' : 'b.example',
  visitorId: `v${i}`,
  visitorName: `Visitor ${i}`,
  state: 'ended',
  operators: ['alice'],
  requestedAt: 1000 + i,
  ...over,
});

async function seeded(dir: string, count: number): Promise<EmbeddedStore> {
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  for (let i = 0; i < count; i++) await store.putChat(chat(i));
  await store.close();
  // Opened again, its listing is filled from the files by the first listing.
  const again = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await again.open();
  return again;
}

async function walk(store: EmbeddedStore, query: Parameters<EmbeddedStore['listChats']>[0], limit: number, between?: (page: number) => Promise<void>): Promise<ChatRecord[]> {
  const all: ChatRecord[] = [];
  let cursor: string | undefined;
  for (let page = 0; ; page++) {
    const listed = await store.listChats(query, cursor, limit);
    all.push(...listed.chats);
    if (listed.next === undefined) return all;
    cursor = listed.next;
    await between?.(page);
  }
}

t.test('a walk through every chat gets each record as stored, changes made during the walk included', async (t) => {
  const store = await seeded(t.testdir(), 9);
  const got = await walk(store, {}, 2, async (page) => {
    if (page === 0) await store.putChat(chat(5, {visitorName: 'Renamed'}));
    if (page === 1) await store.eraseVisitor('v7');
  });
  t.same(
    got.map((c) => [c.id, c.visitorName]),
    [0, 1, 2, 3, 4, 5, 6, 8].map((i) => [`c${i}`, i === 5 ? 'Renamed' : `Visitor ${i}`]),
    'the renamed one as it is now, the erased one not at all',
  );
  t.same(got[0], chat(0), 'whole records');
  const again = await walk(store, {}, 3);
  t.same(again, got, 'a second walk gets the same, read from the files');
  await store.close();
});

t.test('a walk that stops half way, then another: each gets what is stored', async (t) => {
  const store = await seeded(t.testdir(), 6);
  const first = await store.listChats({}, undefined, 2);
  t.same(first.chats.map((c) => c.id), ['c0', 'c1']);
  await store.putChat(chat(3, {visitorName: 'Changed'}));
  const second = await walk(store, {}, 4);
  t.same(second.map((c) => c.visitorName), ['Visitor 0', 'Visitor 1', 'Visitor 2', 'Changed', 'Visitor 4', 'Visitor 5']);
  await store.close();
});

t.test('a filtered first listing, then a listing of everything', async (t) => {
  const store = await seeded(t.testdir(), 6);
  t.same((await walk(store, {site: 'b.example'}, 2)).map((c) => c.id), ['c1', 'c3', 'c5']);
  t.same((await walk(store, {}, 10)).map((c) => c.id), ['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
  t.equal(await store.countChats({site: 'a.example'}), 3);
  await store.close();
});
