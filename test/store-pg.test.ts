import t from 'tap';
import type {FeedEntry} from '../src/protocol/index.js';
import {describeUrl} from '../src/store/pg/connection.js';
import {SCHEMA_VERSION} from '../src/store/pg/migrations.js';
import {PgStore} from '../src/store/pg/pg-store.js';
import {DamagedError, NotStoredError} from '../src/store/store.js';
import type {ChatRecord, NewEvent} from '../src/store/types.js';
import {noPostgres, testPostgres, type TestPostgres} from './helpers/postgres.js';

/*
 * PostgreSQL beyond the Store contract: several hubs on one database (two stores, each with its
 * own pool, as two hub processes have), the schema's migrations, and what a failed write leaves.
 */

const noPg = noPostgres();
const pg: TestPostgres | undefined = noPg ? undefined : await testPostgres();
if (pg) t.teardown(() => pg.stop());

const chat = (id: string, over: Partial<ChatRecord> = {}): ChatRecord => ({
  id,
  kind: 'visitor',
  site: 'example.com',
  visitorId: 'v1',
  state: 'waiting',
  operators: [],
  requestedAt: 1000,
  ...over,
});
const msg = (text: string, id?: string): NewEvent => ({kind: 'msg', from: 'visitor', name: 'V', text, at: 5, ...(id ? {id} : {})});
const tag = {type: 'chat.message', site: 'example.com', visitorId: 'v1'} as const;

/** `n` stores on one schema, opened, closed at the end of the test. */
async function hubs(t: {testdir(): string; teardown(fn: () => unknown): void}, n: number, logged: string[] = []): Promise<PgStore[]> {
  const schema = pg!.schemaFor(t.testdir());
  const stores = Array.from({length: n}, () => new PgStore(pg!.url, {schema, max: 4, log: (line) => logged.push(line)}));
  for (const store of stores) await store.open();
  t.teardown(() => Promise.all(stores.map((s) => s.close())));
  return stores;
}

const range = (n: number, from = 1) => Array.from({length: n}, (_, i) => i + from);

t.test('postgres', {skip: noPg}, async (t) => {
  t.test('two hubs appending to one chat at once: seqs 1..N, no gap, no duplicate, each hub in its order', async (t) => {
    const [a, b] = await hubs(t, 2);
    await a!.putChat(chat('c1'));
    const heardA: number[] = [];
    a!.onFeed((e) => heardA.push(e.cursor));
    const send = (store: PgStore, who: string) => range(150).map((i) => store.appendEvent('c1', msg(`${who}${i}`), undefined, tag));
    const [fromA, fromB] = await Promise.all([Promise.all(send(a!, 'a')), Promise.all(send(b!, 'b'))]);
    const seqs = [...fromA!, ...fromB!].map((r) => r.event.seq).sort((x, y) => x - y);
    t.same(seqs, range(300), 'every seq once');
    const stored = await b!.events('c1');
    t.same(stored.map((e) => e.seq), range(300));
    const order = (who: string) => stored.filter((e) => e.text.startsWith(who)).map((e) => Number(e.text.slice(1)));
    t.same([order('a'), order('b')], [range(150), range(150)], "each hub's events in the order it asked");
    t.equal((await a!.chat('c1'))?.lastSeq, 300);
    const cursors = [...fromA!, ...fromB!].map((r) => r.feed!.cursor).sort((x, y) => x - y);
    t.same(cursors, range(300), 'feed cursors across both hubs: no gap');
    t.same(heardA, [...heardA].sort((x, y) => x - y), "a hub's listeners hear its entries in cursor order");
    t.equal(heardA.length, 150, 'and only its own (for now)');
    const {entries} = await a!.feed(0, 1000);
    t.same(entries.map((e) => e.cursor), range(300));
    t.ok(entries.every((e) => 'event' in e && e.event?.seq === ('seq' in e ? e.seq : -1)), 'each entry read back with its event');
  });

  t.test("a hub held up on one chat's row lock does not hold up another hub's writes to other chats", async (t) => {
    const [a, b] = await hubs(t, 2);
    const schema = pg!.schemaFor(t.testdir());
    await a!.putChat(chat('held'));
    await b!.putChat(chat('free'));
    const before = await a!.feedEnd();
    // Somebody (a slow hub's transaction) holds chat 'held' until told to let go.
    let letGo!: () => void;
    const released = new Promise<void>((r) => (letGo = r));
    let locked!: () => void;
    const holding = new Promise<void>((r) => (locked = r));
    const holder = pg!.admin.begin(async (tx) => {
      await tx`SELECT 1 FROM ${tx(schema)}.chats WHERE id = 'held' FOR UPDATE`;
      locked();
      await released;
    });
    await holding;
    let waitingDone = false;
    const waiting = a!.appendEvent('held', msg('waits'), undefined, tag).then((r) => ((waitingDone = true), r));
    const other = await b!.appendEvent('free', msg('goes through'), undefined, tag);
    t.equal(other.event.seq, 1, "the other hub's write to another chat is stored meanwhile");
    t.equal(other.feed?.cursor, before + 1, 'and numbered first: it committed first');
    t.notOk(waitingDone, 'the write to the held chat is still waiting');
    letGo();
    await holder;
    const late = await waiting;
    t.equal(late.feed?.cursor, before + 2, 'once let go, the waiting write commits, next in the feed');
    const {entries} = await b!.feed(before, 10);
    t.same(entries.map((e) => [e.cursor, 'chatId' in e ? e.chatId : '']), [[before + 1, 'free'], [before + 2, 'held']], 'the feed reads in commit order, no gap');
  });

  t.test('one hub writing group after group: stored, answered and heard in the order asked', async (t) => {
    const [a] = await hubs(t, 1);
    await a!.putChat(chat('c1'));
    await a!.putChat(chat('c2'));
    const heard: number[] = [];
    a!.onFeed((e) => heard.push(e.cursor));
    const answered: number[] = [];
    const all: Array<Promise<unknown>> = [];
    for (let i = 1; i <= 200; i++) {
      all.push(a!.appendEvent(i % 2 ? 'c1' : 'c2', msg(`m${i}`), undefined, tag).then(() => answered.push(i)));
      // A few writes a turn: many groups, each asked for while the one before commits.
      if (i % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(all);
    t.same(answered, range(200), 'answered in the order asked');
    for (const [id, odd] of [['c1', 1], ['c2', 0]] as const) {
      const stored = await a!.events(id);
      t.same(stored.map((e) => e.seq), range(100), `${id}: seqs 1..100`);
      t.same(stored.map((e) => Number(e.text.slice(1))), range(200).filter((i) => i % 2 === odd), `${id}: in the order asked`);
    }
    t.same(heard, range(200, heard[0]), 'heard in cursor order, none missing');

    // A chat made in one group and written to in the next.
    const made: Array<Promise<unknown>> = [];
    for (let round = 0; round < 10; round++) {
      const ids = range(50).map((i) => `new${round}-${i}`);
      for (const id of ids) made.push(a!.putChat(chat(id)));
      await new Promise((r) => setImmediate(r));
      for (const id of ids) made.push(a!.appendEvent(id, msg('first'), undefined, tag));
    }
    const settled = await Promise.allSettled(made);
    t.same(settled.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)), [], 'every write stored');
    t.equal((await a!.chat('new9-50'))?.lastSeq, 1);
  });

  t.test('the same client id sent through two hubs at once is stored once', async (t) => {
    const [a, b] = await hubs(t, 2);
    await a!.putChat(chat('c1'));
    const send = (store: PgStore) => range(60).map((i) => store.appendEvent('c1', msg(`m${i}`, `id-${i}`), undefined, tag));
    const results = (await Promise.all([...send(a!), ...send(b!)])).flat();
    t.equal(results.filter((r) => !r.duplicate).length, 60, 'sixty stored');
    t.equal(results.filter((r) => r.duplicate).length, 60, 'sixty found already stored');
    const stored = await a!.events('c1');
    t.same(stored.map((e) => e.seq), range(60), 'no seq lost to a duplicate');
    t.same(new Set(stored.map((e) => e.id)).size, 60);
    for (const r of results.filter((x) => x.duplicate)) {
      t.equal(r.feed, undefined, 'a duplicate makes no feed entry');
      t.equal(stored.find((e) => e.id === r.event.id)?.seq, r.event.seq, 'the stored event comes back');
    }
    t.equal(await a!.feedEnd(), 60);
  });

  t.test('claims: of two hubs accepting at once exactly one wins; an offer is for its operator alone', async (t) => {
    const [a, b] = await hubs(t, 2);
    await a!.putChat(chat('c1'));
    const join = (name: string): NewEvent => ({kind: 'join', from: 'operator', name, text: `${name} joined the chat`, at: 6});
    const claimed = (owner: string, over: Partial<ChatRecord> = {}) => chat('c1', {state: 'active', owner, operators: [owner], ...over});
    const accepted = (operator: string) => ({type: 'chat.accepted', site: 'example.com', visitorId: 'v1', operator}) as const;
    for (let round = 0; round < 5; round++) {
      const id = `race${round}`;
      await a!.putChat(chat(id));
      const [byAlice, byBob] = await Promise.all([
        a!.claimChat({...claimed('alice'), id}, 'alice', join('Alice'), accepted('alice')),
        b!.claimChat({...claimed('bob'), id}, 'bob', join('Bob'), accepted('bob')),
      ]);
      t.equal([byAlice, byBob].filter(Boolean).length, 1, `round ${round}: one claim won`);
      const winner = byAlice ? 'alice' : 'bob';
      t.equal((await b!.chat(id))?.chat.owner, winner, 'the stored owner is the winner');
      t.same((await a!.events(id)).map((e) => [e.seq, e.name]), [[1, byAlice ? 'Alice' : 'Bob']], "only the winner's join is stored");
    }
    const won = await a!.claimChat(claimed('alice'), 'alice', join('Alice'));
    t.equal(won?.event.seq, 1);
    t.equal(await b!.claimChat(claimed('bob'), 'bob', join('Bob')), undefined, 'an owned chat cannot be claimed');
    await a!.putChat(chat('offered', {offer: {to: 'bob', from: 'alice', until: 99}}));
    t.equal(await a!.claimChat(claimed('alice', {id: 'offered'}), 'alice', join('Alice')), undefined, 'offered to another');
    t.ok(await b!.claimChat(claimed('bob', {id: 'offered'}), 'bob', join('Bob')), 'the operator offered it takes it');
    await a!.putChat(chat('over', {state: 'ended'}));
    t.equal(await a!.claimChat(claimed('alice', {id: 'over'}), 'alice', join('Alice')), undefined, 'an ended chat');
  });

  t.test('a change goes in only onto the state, owner and offer it was made to', async (t) => {
    const [a, b] = await hubs(t, 2);
    const active = chat('c1', {state: 'active', owner: 'bob', operators: ['bob']});
    await a!.putChat(active);
    const ended = {...active, state: 'ended' as const, endedAt: 9};
    const left = {kind: 'left', from: 'system', name: 'system', text: 'left', at: 9} as const;
    // Hub B's copy had the chat waiting: its change does not go in, and nothing is stored.
    t.equal(await b!.changeChat({...ended, owner: undefined, operators: []}, {state: 'waiting'}, left, tag), undefined, 'made to another state');
    t.equal(await b!.changeChat(ended, {state: 'active', owner: 'carol'}, left, tag), undefined, 'made to another owner');
    t.equal(await b!.changeChat(ended, {state: 'active', owner: 'bob', offer: {to: 'carol', from: 'bob', until: 1}}, left, tag), undefined, 'made to an offer');
    t.same([await a!.events('c1'), (await a!.chat('c1'))?.chat], [[], active], 'nothing stored');
    const done = await b!.changeChat(ended, {state: 'active', owner: 'bob'}, left, tag);
    t.same([done?.event.seq, done?.feed?.type, (await a!.chat('c1'))?.chat], [1, 'chat.message', ended], 'made to the stored record: in, with its event and feed entry');
    const offered = chat('c2', {offer: {to: 'carol', from: 'bob', until: 1}});
    await a!.putChat(offered);
    t.ok(await b!.changeChat({...offered, offer: undefined}, {state: 'waiting', offer: {to: 'carol', from: 'bob', until: 1}}, left), 'an offer matched by whom it is to');
  });

  t.test('a name given on one hub leaves the record as stored by another: owner, state, a NUL in the first text', async (t) => {
    const [a, b] = await hubs(t, 2);
    const waiting = chat('c1', {firstText: 'hi\u0000there', visitorName: 'Old'});
    await a!.putChat(waiting);
    await a!.claimChat(chat('c1', {state: 'active', owner: 'bob', operators: ['bob'], firstText: 'hi\u0000there', visitorName: 'Old'}), 'bob', msg('joined'));
    // Hub B had the chat as it was before the claim; it puts only the names.
    await b!.nameChat('c1', {visitorName: 'Vera', visitorEmail: 'vera@example.com'});
    t.same((await a!.chat('c1'))?.chat, {...waiting, state: 'active', owner: 'bob', operators: ['bob'], visitorName: 'Vera', visitorEmail: 'vera@example.com'});
    await b!.nameChat('c1', {visitorName: 'Vera'});
    t.notOk('visitorEmail' in (await a!.chat('c1'))!.chat, 'an email no longer given is no longer kept');
    await t.rejects(b!.nameChat('none', {visitorName: 'X'}), /no chat none/);
  });

  t.test('a claim or a change keeps the names another hub stored, and says what they are', async (t) => {
    const [a, b] = await hubs(t, 2);
    await a!.putChat(chat('c1', {firstText: 'hi\u0000there'}));
    // Hub B names the chat; hub A has not heard of it when its operator accepts.
    await b!.nameChat('c1', {visitorName: 'Vera', visitorEmail: 'vera@example.com'});
    const claimed = chat('c1', {state: 'active', owner: 'bob', operators: ['bob'], firstText: 'hi\u0000there', visitorName: 'Old'});
    const won = await a!.claimChat(claimed, 'bob', msg('joined'));
    t.same(won?.names, {visitorName: 'Vera', visitorEmail: 'vera@example.com'}, 'the claim says the stored names');
    t.same((await b!.chat('c1'))?.chat, {...claimed, visitorName: 'Vera', visitorEmail: 'vera@example.com'}, 'claimed, the names kept');
    // A name with a NUL, then a change made to a copy without names at all.
    await b!.nameChat('c1', {visitorName: 'V\u0000era'});
    const {visitorName: _name, ...unnamed} = claimed;
    const ended = {...unnamed, state: 'ended' as const, endedAt: 9};
    const done = await a!.changeChat(ended, {state: 'active', owner: 'bob'}, msg('ended'));
    t.same(done?.names, {visitorName: 'V\u0000era'});
    t.same((await b!.chat('c1'))?.chat, {...ended, visitorName: 'V\u0000era'}, 'changed, the name kept, the email gone as stored');
    // No names stored: none come back, and none are made up.
    await a!.putChat(chat('c2'));
    const plain = await a!.claimChat(chat('c2', {state: 'active', owner: 'bob', operators: ['bob'], visitorName: 'Old'}), 'bob', msg('joined'));
    t.same([plain?.names, 'visitorName' in (await b!.chat('c2'))!.chat], [{}, false]);
  });

  t.test('migrations run once, are recorded, and a newer schema is refused', async (t) => {
    const schema = pg!.schemaFor(t.testdir());
    const first = new PgStore(pg!.url, {schema, log: () => {}});
    const second = new PgStore(pg!.url, {schema, log: () => {}});
    // Two hubs starting at once: one applies, the other waits and finds it done.
    await Promise.all([first.open(), second.open()]);
    t.same([first.migrated?.applied, second.migrated?.applied].sort(), [[], range(SCHEMA_VERSION)].sort());
    await Promise.all([first.close(), second.close()]);
    const db = pg!.admin;
    const recorded = await db`SELECT version FROM ${db(schema)}.schema_migrations ORDER BY version`;
    t.same(recorded.map((r) => r.version), range(SCHEMA_VERSION));
    await db`INSERT INTO ${db(schema)}.schema_migrations (version, name) VALUES (${SCHEMA_VERSION + 1}, 'from the future')`;
    const old = new PgStore(pg!.url, {schema, log: () => {}});
    await t.rejects(old.open(), /schema is at version \d+, newer than this cac knows/);
    await t.rejects(new PgStore('postgres://cac@127.0.0.1:1/none', {connectTimeoutS: 2}).open(), /cannot open postgres:\/\/cac@127\.0\.0\.1:1\/none/);
    t.equal(describeUrl('postgres://cac:s3cret@db.example:5432/cac'), 'postgres://cac:***@db.example:5432/cac', 'a password is never shown');
    t.match(new PgStore('postgres://x@h/db', {schema: 'other'}).where, /\(schema other\)$/);
  });

  t.test('a write that fails stores nothing: NotStoredError, and the next numbers carry on without a gap', async (t) => {
    const logged: string[] = [];
    const [store] = await hubs(t, 1, logged);
    const schema = pg!.schemaFor(t.testdir());
    const db = pg!.admin;
    await store!.putChat(chat('c1'));
    await store!.appendEvent('c1', msg('one'), undefined, tag);
    await db`ALTER TABLE ${db(schema)}.events RENAME TO events_away`;
    const failed = await Promise.allSettled([store!.appendEvent('c1', msg('two'), undefined, tag), store!.appendFeed({type: 'visitor.left', at: 7, site: 'example.com', visitorId: 'v1'})]);
    t.ok(failed[0].status === 'rejected' && failed[0].reason instanceof NotStoredError, 'the event is not stored');
    t.ok(failed[1].status === 'fulfilled', 'a write grouped with it is tried again alone, and stored');
    await db`ALTER TABLE ${db(schema)}.events_away RENAME TO events`;
    const again = await store!.appendEvent('c1', msg('two'), undefined, tag);
    t.same([again.event.seq, again.feed?.cursor], [2, 3], 'seq and cursor carry on where they were');
    t.same((await store!.feed(0, 10)).entries.map((e) => e.type), ['chat.message', 'visitor.left', 'chat.message']);
    // A write the server refuses (a NUL in a client id cannot be text) fails alone, too.
    const mixed = await Promise.allSettled([store!.appendEvent('c1', msg('bad', 'a\u0000b')), store!.appendEvent('c1', msg('good'))]);
    t.same(mixed.map((r) => r.status), ['rejected', 'fulfilled']);
    t.equal(mixed[1].status === 'fulfilled' && mixed[1].value.event.seq, 3);
    // Asking for what does not exist is refused without spoiling the writes grouped with it.
    const refused = await Promise.allSettled([store!.appendEvent('nope', msg('x')), store!.appendVisit('nobody', {id: 'v', start: 1, ip: '', browser: '', os: '', userAgent: ''}), store!.putChat(chat('c2'))]);
    t.match(refused.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status)), [/no chat nope/, /no visitor nobody/, 'fulfilled']);
    t.notOk(refused.some((r) => r.status === 'rejected' && r.reason instanceof NotStoredError), 'a refusal is not a storage failure');
    await t.rejects(store!.appendEvent('c1', msg('x'), chat('c2')), /the record of chat c2 given with an event of chat c1/);
    await store!.close();
    await t.rejects(store!.putChat(chat('c3')), NotStoredError, 'a closed store stores nothing');
    await t.rejects(store!.chat('c1'), /not open/);
  });

  t.test('what a NUL or any text holds comes back as it was; damaged records are named', async (t) => {
    const logged: string[] = [];
    const [store, other] = await hubs(t, 2, logged);
    const text = 'nul:\u0000 quote:" backslash:\\ emoji:🙂 newline:\n';
    await store!.putChat(chat('c1', {visitorName: text, firstText: text}));
    await store!.appendEvent('c1', msg(text));
    await store!.putVisitor({id: 'v1', site: 'example.com', tokenHash: 'h', firstSeen: 1, chats: ['c1'], name: text});
    t.equal((await other!.chat('c1'))?.chat.visitorName, text);
    t.equal((await other!.events('c1'))[0]?.text, text);
    t.equal((await other!.visitor('v1'))?.name, text);
    t.equal((await other!.feed(0, 10)).entries.length, 0);
    // Globals are kept per hub: another hub's change is seen when read fresh.
    await store!.putGlobal('canned', {canned: [{id: 'x', shortcut: 'hi', text}]});
    t.same(await other!.global('canned'), {canned: [{id: 'x', shortcut: 'hi', text}]});
    await store!.putGlobal('canned', {canned: []});
    t.equal((await other!.global('canned')).canned.length, 1, 'a copy, until read afresh');
    t.same(await other!.global('canned', true), {canned: []});
    const schema = pg!.schemaFor(t.testdir());
    const db = pg!.admin;
    await db`INSERT INTO ${db(schema)}.globals (name, doc) VALUES ('sites', '{"sites": 5}')`;
    await t.rejects(other!.global('sites', true), DamagedError);
    // An entry of the wrong shape is reported and skipped (its cursor still counts).
    await store!.appendFeed({type: 'no.such.type', at: 1} as unknown as Parameters<PgStore['appendFeed']>[0]);
    await store!.appendFeed({type: 'visitor.left', at: 2, site: 'example.com', visitorId: 'v1'});
    const page = await other!.feed(0, 10);
    t.same([page.entries.map((e) => e.cursor), page.last, page.more], [[2], 2, false]);
    t.match(logged.join('\n'), /feed entry 1 has the wrong shape/);
    t.same(await other!.feed(0, 0), {entries: [], last: 0, more: true}, 'a page of nothing');
  });

  t.test('an entry given whole about a chat event keeps a reference, and is read back whole', async (t) => {
    const [store] = await hubs(t, 1);
    await store!.putChat(chat('c1'));
    const {event} = await store!.appendEvent('c1', msg('hello'));
    const heard: FeedEntry[] = [];
    store!.onFeed((e) => heard.push(e));
    store!.onFeed(() => {
      throw new Error('a listener that fails');
    });
    const entry = await store!.appendFeed({type: 'chat.message', at: 5, site: 'example.com', chatId: 'c1', seq: 1, event});
    t.same(entry, {type: 'chat.message', at: 5, site: 'example.com', chatId: 'c1', seq: 1, event, cursor: 1});
    t.same(heard, [entry], 'other listeners hear of it although one failed');
    const db = pg!.admin;
    const [row] = await db`SELECT doc::text AS doc FROM ${db(pg!.schemaFor(t.testdir()))}.feed`;
    t.notMatch(row!.doc as string, /hello/, 'the event is not stored twice');
    t.same((await store!.feed(0, 10)).entries, [entry]);
  });

  t.test('the server going away: writes fail with NotStoredError, and once it is back they are stored', {skip: !pg?.outage && 'a server of its own is needed'}, async (t) => {
    const [store] = await hubs(t, 1);
    await store!.putChat(chat('c1'));
    await store!.appendEvent('c1', msg('before'), undefined, tag);
    await pg!.outage!(async () => {
      const failed = await Promise.allSettled([store!.appendEvent('c1', msg('during'), undefined, tag), store!.putVisitor({id: 'v', site: 's', tokenHash: 'h', firstSeen: 1, chats: []})]);
      t.ok(failed.every((r) => r.status === 'rejected' && r.reason instanceof NotStoredError), 'every write of the group is refused');
    });
    const after = await store!.appendEvent('c1', msg('after'), undefined, tag);
    t.same([after.event.seq, after.feed?.cursor], [2, 2], 'nothing of the refused writes was kept');
    t.equal(await store!.visitor('v'), undefined);
  });
});
