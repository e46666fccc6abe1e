import t from 'tap';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {MemoryStore} from '../src/store/memory-store.js';
import {PgStore} from '../src/store/pg/pg-store.js';
import type {Store} from '../src/store/store.js';
import type {ChatRecord, NewEvent} from '../src/store/types.js';
import {noPostgres, testPostgres} from './helpers/postgres.js';

/*
 * The Store contract: every implementation must pass the same tests. The embedded store runs
 * twice: in the hub's journalled mode (reopened to prove what it says is durable) and written
 * through (the CLI's mode). PostgreSQL gets a schema of its own for each test's folder.
 */

interface Impl {
  name: string;
  make(dir: string): Store;
  /** Whether a second instance on the same place sees the first one's data. */
  durable: boolean;
  skip?: string | false;
}

const impls: Impl[] = [
  {name: 'memory', make: () => new MemoryStore(), durable: false},
  {name: 'embedded, journalled', make: (dir) => new EmbeddedStore(dir, {journal: true, log: () => {}}), durable: true},
  {name: 'embedded, written through', make: (dir) => new EmbeddedStore(dir, {log: () => {}}), durable: true},
  // As a command opens a folder no hub runs on: files read synchronously.
  {name: 'embedded, read synchronously', make: (dir) => new EmbeddedStore(dir, {journal: true, syncReads: true, log: () => {}}), durable: true},
];

const noPg = noPostgres();
const pg = noPg ? undefined : await testPostgres();
if (pg) t.teardown(() => pg.stop());
impls.push({name: 'postgres', make: (dir) => new PgStore(pg!.url, {schema: pg!.schemaFor(dir), log: () => {}}), durable: true, skip: noPg});

const chat = (id: string, over: Partial<ChatRecord> = {}): ChatRecord => ({
  id,
  kind: 'visitor',
  site: 'example.com',
  visitorId: 'v1',
  state: 'waiting',
  operators: [],
  requestedAt: 1000,
  firstText: 'hello',
  ...over,
});

const msg = (text: string, id?: string): NewEvent => ({kind: 'msg', from: 'visitor', name: 'V', text, at: 5, ...(id ? {id} : {})});

for (const impl of impls) {
  t.test(impl.name, {skip: impl.skip}, async (t) => {
    const open = async (dir: string) => {
      const store = impl.make(dir);
      await store.open();
      return store;
    };

    t.test('events are numbered in the order asked, and read back after a seq', async (t) => {
      const dir = t.testdir();
      const store = await open(dir);
      await store.putChat(chat('c1'));
      const results = await Promise.all(['a', 'b', 'c'].map((text) => store.appendEvent('c1', msg(text))));
      t.same(results.map((r) => [r.event.seq, r.event.text, r.duplicate]), [[1, 'a', false], [2, 'b', false], [3, 'c', false]]);
      t.same((await store.events('c1')).map((e) => e.text), ['a', 'b', 'c']);
      t.same((await store.events('c1', 1)).map((e) => e.seq), [2, 3]);
      t.same((await store.events('c1', 0, 2)).map((e) => e.seq), [1, 2]);
      t.same(await store.events('c1', 3), []);
      t.equal((await store.chat('c1'))?.lastSeq, 3);
      await store.close();
      if (!impl.durable) return;
      const again = await open(dir);
      t.same((await again.events('c1')).map((e) => [e.seq, e.text]), [[1, 'a'], [2, 'b'], [3, 'c']], 'durable');
      t.equal((await again.chat('c1'))?.lastSeq, 3);
      await again.close();
    });

    t.test('a client id already stored is not stored again; the stored event comes back', async (t) => {
      const store = await open(t.testdir());
      await store.putChat(chat('c1'));
      const first = await store.appendEvent('c1', msg('once', 'client-id-1'));
      const again = await store.appendEvent('c1', msg('once, resent', 'client-id-1'));
      t.same([again.duplicate, again.event.seq, again.event.text], [true, first.event.seq, 'once']);
      t.equal((await store.events('c1')).length, 1);
      await store.close();
    });

    t.test('ids named like Object.prototype members are ids like any other', async (t) => {
      const store = await open(t.testdir());
      await store.putChat(chat('c1'));
      for (const id of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
        const r = await store.appendEvent('c1', msg(id, id));
        t.equal(r.duplicate, false, `${id} is new`);
        t.equal((await store.appendEvent('c1', msg(id, id))).duplicate, true, `${id} is then known`);
      }
      t.same((await store.events('c1')).map((e) => e.id), ['toString', '__proto__', 'constructor', 'hasOwnProperty']);
      await store.close();
    });

    t.test('a chat has no event cap: the 5,001st event is stored', async (t) => {
      const store = await open(t.testdir());
      await store.putChat(chat('long', {kind: 'op', site: '', members: ['a', 'b'], state: 'active'}));
      for (let i = 0; i < 5001; i += 500) {
        await Promise.all(Array.from({length: Math.min(500, 5001 - i)}, (_, j) => store.appendEvent('long', msg(`m${i + j}`))));
      }
      const [last] = await store.events('long', 5000);
      t.same([last?.seq, last?.text], [5001, 'm5000']);
      await store.close();
    });

    t.test('the record can be stored with an event, and open chats are listed', async (t) => {
      const dir = t.testdir();
      const store = await open(dir);
      await store.putChat(chat('w'));
      await store.putChat(chat('e', {requestedAt: 2000}));
      await store.appendEvent('e', msg('bye'), chat('e', {requestedAt: 2000, state: 'ended', endedAt: 9}));
      await store.putChat(chat('op~a~b', {kind: 'op', site: '', members: ['a', 'b'], state: 'active'}));
      const ids = async (s: Store) => (await s.openChats()).map((c) => c.chat.id).sort();
      t.same(await ids(store), ['op~a~b', 'w'], 'ended chats are not open; operator chats always are');
      t.same((await store.chat('e'))?.chat.endedAt, 9);
      await store.close();
      if (!impl.durable) return;
      const again = await open(dir);
      t.same(await ids(again), ['op~a~b', 'w']);
      await again.close();
    });

    t.test('chats are listed with filters, a page at a time', async (t) => {
      const store = await open(t.testdir());
      for (let i = 0; i < 7; i++) {
        await store.putChat(chat(`c${i}`, {requestedAt: 1000 + i, site: i % 2 ? 'a.example' : 'b.example', operators: i < 3 ? ['alice'] : ['bob']}));
      }
      const all: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listChats({}, cursor, 3);
        all.push(...page.chats.map((c) => c.id));
        cursor = page.next;
      } while (cursor);
      t.same(all, ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6'], 'every chat once, oldest first');
      t.same((await store.listChats({site: 'a.example'})).chats.map((c) => c.id), ['c1', 'c3', 'c5']);
      t.same((await store.listChats({operator: 'alice'})).chats.map((c) => c.id), ['c0', 'c1', 'c2']);
      t.same((await store.listChats({since: 1005})).chats.map((c) => c.id), ['c5', 'c6']);
      t.same((await store.listChats({until: 1001})).chats.map((c) => c.id), ['c0']);
      t.same((await store.listChats({state: 'ended'})).chats, []);
      t.equal(await store.countChats(), 7);
      t.equal(await store.countChats({site: 'a.example', since: 1002}), 2);
      await store.close();
    });

    t.test('a listing in progress sees chats stored and changed between its pages', async (t) => {
      const dir = t.testdir();
      const first = await open(dir);
      for (let i = 0; i < 4; i++) await first.putChat(chat(`c${i}`, {requestedAt: 1000 + i}));
      await first.close();
      // Reopened, so the listing is read from the folder, then kept up to date.
      const store = impl.durable ? await open(dir) : first;
      if (!impl.durable) for (let i = 0; i < 4; i++) await store.putChat(chat(`c${i}`, {requestedAt: 1000 + i}));
      const page1 = await store.listChats({}, undefined, 2);
      t.same(page1.chats.map((c) => c.id), ['c0', 'c1']);
      await store.putChat(chat('c9', {requestedAt: 2000}));
      await store.putChat(chat('early', {requestedAt: 1}));
      await store.appendEvent('c2', msg('bye'), chat('c2', {requestedAt: 1002, state: 'ended'}));
      await store.putChat(chat('c3', {requestedAt: 1500}));
      const page2 = await store.listChats({}, page1.next, 2);
      t.same(page2.chats.map((c) => [c.id, c.state]), [['c2', 'ended'], ['c3', 'waiting']], 'a changed record as stored now, at its new place');
      const page3 = await store.listChats({}, page2.next, 2);
      t.same(page3.chats.map((c) => c.id), ['c9']);
      t.equal(page3.next, undefined);
      t.same((await store.listChats({state: 'ended'})).chats.map((c) => c.id), ['c2']);
      t.same((await store.listChats()).chats.map((c) => c.id), ['early', 'c0', 'c1', 'c2', 'c3', 'c9'], 'an earlier chat stored late is in its place');
      t.equal(await store.countChats({state: 'open'}), 5);
      await store.close();
    });

    t.test('visitors, their visits and pages, newest visit first', async (t) => {
      const dir = t.testdir();
      const store = await open(dir);
      await store.putVisitor({id: 'v1', site: 'example.com', tokenHash: 'h', firstSeen: 1, chats: []});
      const start = (id: string, at: number) => ({id, start: at, ip: '10.0.0.1', browser: 'Firefox 120', os: 'Linux', userAgent: 'UA'});
      await store.appendVisit('v1', start('visit-1', 10));
      await store.appendPage('v1', 'visit-1', {url: 'https://example.com/', title: 'Home', at: 10});
      await store.appendPage('v1', 'visit-1', {url: 'https://example.com/a', title: 'A', at: 20});
      await store.appendVisit('v1', start('visit-2', 100));
      await store.appendPage('v1', 'visit-2', {url: 'https://example.com/b', title: 'B', at: 100});
      const check = async (s: Store) => {
        const visits = await s.visits('v1');
        t.same(visits.map((v) => [v.id, v.end, v.pages.map((p) => p.title)]), [['visit-2', 100, ['B']], ['visit-1', 20, ['Home', 'A']]]);
        t.same((await s.visits('v1', 1)).map((v) => v.id), ['visit-2']);
        t.same((await s.visitor('v1'))?.tokenHash, 'h');
      };
      await check(store);
      t.same(await store.visits('nobody'), []);
      t.equal(await store.visitor('nobody'), undefined);
      await store.close();
      if (!impl.durable) return;
      const again = await open(dir);
      await check(again);
      await again.close();
    });

    t.test('the feed: one cursor sequence for chat events, visits, pages and other entries, read back whole', async (t) => {
      const dir = t.testdir();
      const store = await open(dir);
      const heard: number[] = [];
      store.onFeed((e) => heard.push(e.cursor));
      t.equal(await store.feedEnd(), 0, 'an empty feed ends at 0');
      await store.putChat(chat('c1'));
      await store.putVisitor({id: 'v1', site: 'example.com', tokenHash: 'h', firstSeen: 1, chats: []});
      const site = {site: 'example.com'};
      const visit = {id: 'visit-1', start: 10, ip: '10.0.0.1', browser: 'Firefox 120', os: 'Linux', userAgent: 'UA'};
      const arrived = await store.appendVisit('v1', visit, site);
      const viewed = await store.appendPage('v1', 'visit-1', {url: 'https://example.com/', title: 'Home', at: 11}, site);
      const tag = {type: 'chat.requested', site: 'example.com', visitorId: 'v1'} as const;
      const requested = await store.appendEvent('c1', {...msg('hello', 'client-id-1'), at: 12}, undefined, tag);
      const resent = await store.appendEvent('c1', msg('hello', 'client-id-1'), undefined, tag);
      const untagged = await store.appendEvent('c1', msg('no entry'));
      const status = await store.appendFeed({type: 'operator.status', at: 13, operator: 'alice', status: 'away', connected: true});
      t.equal(await store.appendVisit('v1', {...visit, id: 'visit-2'}), undefined, 'a visit without a tag makes no entry');

      t.same([arrived?.cursor, viewed?.cursor, requested.feed?.cursor, status.cursor], [1, 2, 3, 4], 'numbered 1, 2, 3 ... across kinds');
      t.equal(resent.feed, undefined, 'a resent event makes no second entry');
      t.equal(untagged.feed, undefined, 'an event without a tag makes none');
      t.same(heard, [1, 2, 3, 4], 'listeners hear of each once it is durable, in order');
      t.equal(await store.feedEnd(), 4);
      const expected = [
        {cursor: 1, at: 10, type: 'visitor.arrived', site: 'example.com', visitorId: 'v1', visit},
        {cursor: 2, at: 11, type: 'page.viewed', site: 'example.com', visitorId: 'v1', visitId: 'visit-1', page: {url: 'https://example.com/', title: 'Home', at: 11}},
        {cursor: 3, at: 12, type: 'chat.requested', site: 'example.com', visitorId: 'v1', chatId: 'c1', seq: 1, event: requested.event},
        {cursor: 4, at: 13, type: 'operator.status', operator: 'alice', status: 'away', connected: true},
      ];
      t.same([arrived, viewed, requested.feed, status], expected, 'what the appends return is the entry');
      const check = async (s: Store) => {
        const all = await s.feed(0, 100);
        t.same(all, {entries: expected, last: 4, more: false}, 'read back with the event, visit and page they refer to');
        t.same(await s.feed(1, 2), {entries: expected.slice(1, 3), last: 3, more: true}, 'a page after a cursor');
        t.same((await s.feed(0, 100, {types: ['page.viewed', 'operator.status']})).entries.map((e) => e.cursor), [2, 4], 'by type');
        t.same((await s.feed(0, 100, {sites: ['example.com']})).entries.map((e) => e.cursor), [1, 2, 3], 'by site');
        t.same((await s.feed(0, 100, {sites: ['example.com'], siteless: true})).entries.map((e) => e.cursor), [1, 2, 3, 4], 'with entries of no site');
        t.same((await s.feed(0, 100, {sites: ['other.example']})).entries, [], 'another site');
        t.same(await s.feed(4, 100), {entries: [], last: 4, more: false}, 'nothing after the end');
        t.same([await s.feedCursorAt(0), await s.feedCursorAt(11), await s.feedCursorAt(13), await s.feedCursorAt(99)], [0, 1, 3, 4], 'a cursor by time');
      };
      await check(store);
      await store.close();
      if (!impl.durable) return;
      const again = await open(dir);
      await check(again);
      t.equal((await again.appendFeed({type: 'visitor.left', at: 20, site: 'example.com', visitorId: 'v1'})).cursor, 5, 'numbering goes on after a restart');
      await again.close();
    });

    t.test('what visitors write comes back exactly: NUL, lone surrogates, line separators, quotes, backslashes', async (t) => {
      const dir = t.testdir();
      const store = await open(dir);
      const hostile = 'a\u0000b \ud800 \udfff \u2028\u2029 "quoted" \\ \u001b[2J \ud83d\ude00';
      await store.putChat(chat('c1', {firstText: hostile}));
      await store.putVisitor({id: 'v1', site: 'example.com', tokenHash: 'h', firstSeen: 1, chats: [], name: hostile});
      await store.appendVisit('v1', {id: 'visit-1', start: 10, ip: '10.0.0.1', browser: 'Firefox 120', os: 'Linux', userAgent: hostile});
      const page = await store.appendPage('v1', 'visit-1', {url: 'https://example.com/', title: hostile, at: 11}, {site: 'example.com'});
      const sent = await store.appendEvent('c1', msg(hostile), undefined, {type: 'chat.message', site: 'example.com'});
      const left = await store.appendFeed({type: 'visitor.left', at: 12, site: 'example.com', visitorId: 'v1'});
      const check = async (s: Store) => {
        t.equal((await s.chat('c1'))?.chat.firstText, hostile, 'a chat record');
        t.equal((await s.visitor('v1'))?.name, hostile, 'a visitor record');
        const [visit] = await s.visits('v1');
        t.same([visit?.userAgent, visit?.pages[0]?.title], [hostile, hostile], 'a visit and its page');
        t.equal((await s.events('c1'))[0]?.text, hostile, 'an event');
        const {entries} = await s.feed(0, 10);
        t.same(entries.map((e) => e.cursor), [page!.cursor, sent.feed!.cursor, left.cursor], 'the feed, numbered without a gap');
        t.same(entries[0], page, 'a feed entry holding it whole');
        t.equal((entries[1] as {event?: {text: string}}).event?.text, hostile, 'a feed entry holding the event');
      };
      await check(store);
      await store.close();
      if (!impl.durable) return;
      const again = await open(dir);
      await check(again);
      await again.close();
    });

    t.test('the feed: appends asked for at once are numbered in that order, without a gap', async (t) => {
      const store = await open(t.testdir());
      await store.putChat(chat('a'));
      await store.putChat(chat('b'));
      const tag = {type: 'chat.message', site: 'example.com'} as const;
      // A chat whose log was never read is numbered once its end is known: read it first here.
      await store.appendEvent('a', msg('first'));
      await store.appendEvent('b', msg('first'));
      const results = await Promise.all(
        Array.from({length: 60}, (_, i) =>
          i % 3 === 2
            ? store.appendFeed({type: 'visitor.left', at: i, site: 'example.com', visitorId: `v${i}`})
            : store.appendEvent(i % 3 ? 'b' : 'a', msg(`m${i}`), undefined, tag).then((r) => r.feed!),
        ),
      );
      t.same(results.map((e) => e.cursor), results.map((_, i) => i + 1), 'in the order asked');
      const {entries} = await store.feed(0, 1000);
      t.same(entries.map((e) => e.cursor), results.map((_, i) => i + 1));
      const seqs = (id: string) => entries.filter((e) => 'chatId' in e && e.chatId === id).map((e) => ('seq' in e ? e.seq : 0));
      t.same(seqs('a'), Array.from({length: 20}, (_, i) => i + 2), "a chat's events in their order");
      await store.close();
    });

    t.test('globals start from defaults and keep what is put', async (t) => {
      const dir = t.testdir();
      const store = await open(dir);
      t.same(await store.global('canned'), {canned: []});
      await store.putGlobal('canned', {canned: [{id: 'x', shortcut: 'hi', text: 'Hello!'}]});
      t.same((await store.global('canned')).canned[0]?.text, 'Hello!');
      await store.close();
      if (!impl.durable) return;
      const again = await open(dir);
      t.same((await again.global('canned', true)).canned[0]?.text, 'Hello!');
      await again.close();
    });
  });
}
