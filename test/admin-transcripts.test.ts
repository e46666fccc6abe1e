import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {folderContext, type AdminContext} from '../src/admin/context.js';
import {OpError} from '../src/admin/error.js';
import {runOp} from '../src/admin/ops.js';
import {adminOps, isReadOp, type AdminInput, type AdminOutput} from '../src/protocol/index.js';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {DAY, seedTranscripts, storeChat, T0} from './helpers/transcripts.js';
import {startTestHub} from './helpers/hub.js';

/** The data folder seeded with 6 chats, opened as the CLI opens it with no hub running. */
async function folder(t: {teardown(fn: () => unknown): void}) {
  const dir = await mkdtemp(join(tmpdir(), 'cac-transcripts-'));
  const seeded = await seedTranscripts(dir);
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  t.teardown(async () => {
    await store.close();
    await rm(dir, {recursive: true, force: true});
  });
  const ctx = folderContext(store, dir);
  // Every answer is checked against the protocol, as the CLI would on the wire.
  const call = async <N extends Parameters<typeof runOp>[1]>(name: N, input: AdminInput<N>): Promise<AdminOutput<N>> =>
    adminOps[name].output.parse(await runOp(ctx, name, input)) as AdminOutput<N>;
  return {dir, store, ctx, call, ...seeded};
}

t.test('the listing pages through visitor chats, oldest first, with every filter', async (t) => {
  const {store, call, chats} = await folder(t);
  await store.putChat({id: 'op~alice~bob', kind: 'op', site: '', members: ['alice', 'bob'], state: 'active', operators: ['alice', 'bob'], requestedAt: T0});
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await call('transcripts.list', {cursor, limit: 4});
    ids.push(...page.chats.map((c) => c.id));
    cursor = page.next;
    pages++;
  } while (cursor);
  t.same(ids, chats.map((c) => c.id), 'every visitor chat once, in order; operator chats are not transcripts');
  t.equal(pages, 2);
  const only = async (input: AdminInput<'transcripts.list'>) => (await call('transcripts.list', input)).chats.map((c) => c.id);
  t.same(await only({site: 'shop.example'}), [chats[1]!.id, chats[3]!.id, chats[5]!.id]);
  t.same(await only({operator: 'alice'}), [chats[0]!.id, chats[2]!.id, chats[4]!.id]);
  t.same(await only({visitorId: 'visitor1'}), [chats[1]!.id, chats[4]!.id]);
  t.same(await only({since: T0 + 2 * DAY, until: T0 + 4 * DAY}), [chats[2]!.id, chats[3]!.id], 'since is inclusive, until is not');
  t.same(await only({site: 'nowhere.example'}), []);
  t.same(await call('transcripts.count', {}), {count: 6});
  t.same(await call('transcripts.count', {site: 'example.com', since: T0 + DAY}), {count: 2});
});

t.test('a transcript holds the chat, its events, its visit, the site\'s zone and operator names', async (t) => {
  const {call, chats} = await folder(t);
  const [first] = await call('transcripts.get', {ids: [chats[0]!.id]});
  t.equal(first!.chat.id, chats[0]!.id);
  t.same(first!.events.map((e) => e.seq), [1, 2, 3, 4, 5, 6]);
  t.same(first!.site, {domain: 'example.com', timezone: 'Europe/London'});
  t.same(first!.operators, {alice: 'Alice Smith'});
  t.same(first!.visit?.pages.map((p) => p.title), ['Pricing']);
  t.equal(first!.visit?.location, 'London, United Kingdom');

  const page = await call('transcripts.export', {limit: 4});
  t.same(page.transcripts.map((x) => x.chat.id), chats.slice(0, 4).map((c) => c.id));
  t.ok(page.next, 'more to come');
  const rest = await call('transcripts.export', {cursor: page.next, limit: 4});
  t.same(rest.transcripts.map((x) => [x.chat.id, x.site.timezone, Object.keys(x.operators)]), [
    [chats[4]!.id, 'Europe/London', ['alice']],
    [chats[5]!.id, 'UTC', ['bob']],
  ]);
  t.equal(rest.next, undefined);
});

t.test('unknown and malformed ids', async (t) => {
  const {ctx, chats} = await folder(t);
  await t.rejects(runOp(ctx, 'transcripts.get', {ids: [chats[0]!.id, 'nope']}), new OpError('not_found', 'no chat nope'));
  await t.rejects(runOp(ctx, 'transcripts.get', {ids: ['../chats/x']}), {code: 'invalid'});
  await t.rejects(runOp(ctx, 'transcripts.list', {limit: 5000}), {code: 'invalid'});
  await t.rejects(runOp(ctx, 'transcripts.search', {text: ''}), {code: 'invalid'});
  await t.rejects(runOp(ctx, 'transcripts.search', {text: 'two\nlines'}), {code: 'invalid', message: /one line/});
});

t.test('a live chat is read as of one moment: no event newer than its record', async (t) => {
  const {ctx, store, chats} = await folder(t);
  const live = {...chats[0]!, id: `${chats[0]!.id}-live`, requestedAt: T0 + 10 * DAY};
  await storeChat(store, live, true);
  // As if a message were stored between reading the record and reading the events.
  const stored = (await store.chat(live.id))!;
  const racing: AdminContext = {...ctx, store: Object.assign(Object.create(store) as EmbeddedStore, {chat: async () => stored})};
  await store.appendEvent(live.id, {kind: 'msg', from: 'visitor', name: 'Eve', text: 'one more', at: T0 + 11 * DAY});
  const page = await runOp(racing, 'transcripts.export', {since: T0 + 10 * DAY});
  t.equal(page.transcripts.length, 1);
  t.equal(page.transcripts[0]!.events.at(-1)!.seq, stored.lastSeq, 'the events stop where the record was stored');
  t.notOk(page.transcripts[0]!.events.some((e) => e.text === 'one more'));
  // Read again, it is all there.
  const again = await runOp(ctx, 'transcripts.get', {ids: [live.id]});
  t.equal(again[0]!.events.at(-1)!.text, 'one more');
});

t.test('search finds lines of messages, links and notes, in any case, a page of chats at a time', async (t) => {
  const {call, store, chats} = await folder(t);
  const first = chats[0]!;
  await store.appendEvent(first.id, {kind: 'link', from: 'operator', name: 'alice', text: 'refund policy', url: 'https://example.com/REFUND', at: T0});
  await store.appendEvent(first.id, {kind: 'note', from: 'operator', name: 'alice', text: 'wants a refund', priv: true, at: T0});
  await store.appendEvent(first.id, {kind: 'end', from: 'system', name: 'alice', text: 'refund ended', at: T0});
  const all = await call('transcripts.search', {text: 'REFUND'});
  t.equal(all.next, undefined);
  const lines = all.matches.filter((m) => m.chatId === first.id).map((m) => [m.from, m.line]);
  t.same(lines, [
    ['visitor', 'It was a Refund request.'],
    ['operator', 'https://example.com/REFUND'],
    ['operator', 'wants a refund'],
  ], 'only the matching line of a message; a link by its address; no system event');
  t.equal(all.matches.length, 6 + 2, 'one line in every chat, and two more in the first');
  t.match(all.matches[0], {chatId: first.id, site: 'example.com', seq: 4, name: 'Eve', at: T0 + 3 * 60_000});

  const paged = await call('transcripts.search', {text: 'order 1003', limit: 2});
  t.same(paged.matches, [], 'nothing in the first two chats');
  t.ok(paged.next);
  const later = await call('transcripts.search', {text: 'order 1003', cursor: paged.next, limit: 2});
  t.same(later.matches.map((m) => m.chatId), [chats[3]!.id]);
  t.same((await call('transcripts.search', {text: 'refund', operator: 'bob', site: 'shop.example'})).matches.length, 3);
});

t.test('every read-only operation is marked so; changes are not', async (t) => {
  t.ok(isReadOp('transcripts.export'));
  t.ok(isReadOp('operators.list'));
  t.ok(isReadOp('status'));
  t.notOk(isReadOp('canned.add'));
  t.notOk(isReadOp('operators.remove'));
});

t.test('in a hub, a read answers while a change waits to be stored', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const {key} = JSON.parse(await readFile(join(hub.dir, 'api.json'), 'utf8')) as {key: string};
  const post = (name: string, body: unknown) =>
    fetch(`${hub.url}/api/admin/${name}`, {method: 'POST', headers: {authorization: `Bearer ${key}`}, body: JSON.stringify(body)});
  // Hold every write of a global record until released.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const putGlobal = hub.hub.store.putGlobal.bind(hub.hub.store);
  hub.hub.store.putGlobal = async (name, value) => {
    await held;
    return putGlobal(name, value);
  };
  const change = post('canned.add', {shortcut: 'hi', text: 'Hello!'});
  let changed = false;
  void change.then(() => (changed = true));
  const read = await post('transcripts.list', {});
  t.equal(read.status, 200);
  t.same(adminOps['transcripts.list'].output.parse(await read.json()), {chats: []});
  t.notOk(changed, 'the read did not wait for the change');
  release();
  t.equal((await change).status, 200);
  const list = await post('canned.list', {});
  t.same(adminOps['canned.list'].output.parse(await list.json()).map((c) => c.shortcut), ['hi']);
});
