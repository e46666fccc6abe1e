import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import t from 'tap';
import {z} from 'zod';
import {adminOps, feedEntry, visitorView, type AdminOpName, type AdminOutput} from '../src/protocol/index.js';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {acceptedChat, seedData, startTestHub} from './helpers/hub.js';
import {ManualTimers, until} from './helpers/manual-timers.js';
import {runCac} from './helpers/spawn.js';

function output<N extends AdminOpName>(name: N, stdout: string): AdminOutput<N> {
  return adminOps[name].output.parse(JSON.parse(stdout)) as AdminOutput<N>;
}

/** Every file under `dir` whose name or text holds `needle`. */
async function holding(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const e of await readdir(dir, {withFileTypes: true})) {
    const path = join(dir, e.name);
    if (e.isDirectory()) found.push(...(await holding(path, needle)));
    else if (e.name.includes(needle) || (await readFile(path, 'latin1')).includes(needle)) found.push(path);
  }
  return found;
}

const ADDRESS = '198.51.100.23';

t.test('visitors list and show; privacy export hands over everything; erase leaves no trace, hub running', async (t) => {
  const hub = await startTestHub({trustProxy: true});
  t.teardown(() => hub.close());
  const data = ['--data', hub.dir];
  const alice = await hub.operator('alice');
  const vera = await hub.visitor({headers: {'x-forwarded-for': ADDRESS}});
  const id = vera.of('welcome')[0]!.visitorId as string;
  vera.send({t: 'page', url: 'https://example.com/teapots', title: 'Teapots'});
  vera.send({t: 'identify', name: 'Veronika Erasmus', email: 'veronika.erasmus@example.org'});
  const chatId = await acceptedChat(vera, alice, 'Where is order 5521?');
  vera.send({t: 'msg', id: vera.nextId(), text: 'It was a Brown Betty'});
  await alice.waitType('ev', (f) => f.e.text === 'It was a Brown Betty');
  vera.send({t: 'offline.message', id: vera.nextId(), name: 'Veronika Erasmus', email: 'veronika.erasmus@example.org', text: 'Please call back'});
  await vera.waitType('offline.stored');
  const blocked = await runCac(['blocks', 'add', '--site', 'example.com', '--ip', ADDRESS, ...data]);
  t.equal(blocked.code, 0, blocked.stderr);
  // Someone else, who must be left alone.
  const walt = await hub.visitor();
  const waltId = walt.of('welcome')[0]!.visitorId as string;

  const listed = z.array(visitorView).parse(JSON.parse((await runCac(['visitors', 'list', '--online', '--json', ...data])).stdout));
  t.same(listed.map((v) => v.id).sort(), [id, waltId].sort(), '--online: both on a page now');
  const text = await runCac(['visitors', 'list', ...data]);
  t.match(text.stdout, new RegExp(`^${id}\\texample\\.com\\t\\S+\\tVeronika Erasmus <veronika\\.erasmus@example\\.org>\\t1 chat\\ton-line at https://example\\.com/teapots$`, 'm'));
  const shown = output('visitors.show', (await runCac(['visitors', 'show', id, '--json', ...data])).stdout);
  t.match(shown.visitor, {id, name: 'Veronika Erasmus', online: true, chats: 1});
  t.same(shown.visits[0]!.pages.map((p) => p.title), ['Home', 'Teapots']);
  t.equal(shown.visits[0]!.ip, ADDRESS);
  t.same(shown.chats.map((c) => c.id), [chatId]);
  const show = await runCac(['visitors', 'show', id, ...data]);
  t.match(show.stdout, /visits \(1, newest first\):\n {2}\S+ {2}2 pages {2}came directly .*198\.51\.100\.23/);

  const exported = output('privacy.export', (await runCac(['privacy', 'export', '--visitor', id, ...data])).stdout);
  t.match(exported.visitor, {id, name: 'Veronika Erasmus', email: 'veronika.erasmus@example.org'});
  t.notOk('tokenHash' in exported.visitor, 'never the resume token\'s hash');
  t.same(exported.chats[0]!.events.filter((e) => e.kind === 'msg').map((e) => e.text), ['Where is order 5521?', 'It was a Brown Betty']);
  t.equal(exported.visits[0]!.ip, ADDRESS);
  t.equal(exported.blocks.length, 0, 'the block is by address, not by visitor id');
  t.same(exported.messages.map((m) => m.text), ['Please call back']);

  const asked = await runCac(['privacy', 'erase', '--visitor', id, ...data]);
  t.equal(asked.code, 2, 'not on a terminal and no --yes: nothing is erased');
  const erased = await runCac(['privacy', 'erase', '--visitor', id, '--yes', '--json', ...data]);
  t.equal(erased.code, 0, erased.stderr);
  t.same(output('privacy.erase', erased.stdout), {visitorId: id, chats: [chatId], visits: 1, blocks: 1, messages: 1});
  t.equal((await vera.waitClosed()).code, 4005, 'the visitor\'s socket is closed');
  await alice.waitType('chat.update', (f) => f.chat.id === chatId && f.chat.state === 'ended');
  await alice.waitType('visitor.gone', (f) => f.visitorId === id);

  for (const needle of [id, 'Veronika', 'veronika.erasmus@example.org', ADDRESS, 'order 5521']) {
    t.same(await holding(hub.dir, needle), [], `nothing in the data folder holds ${needle}, hub running`);
  }
  // The feed keeps its numbering; what was about them is now a `removed` entry.
  const feed = await runCac(['events', '--hub', hub.url, '--operator', 'alice'], {CAC_TOKEN: hub.tokens.alice!, HOME: hub.dir});
  t.equal(feed.code, 0, feed.stderr);
  const entries = feed.stdout.trim().split('\n').map((l) => feedEntry.parse(JSON.parse(l)));
  t.same(entries.map((e) => e.cursor), entries.map((_, i) => i + 1), 'cursors still 1, 2, 3 ... with no gap');
  t.ok(entries.some((e) => e.type === 'removed'), 'removed entries stand where theirs were');
  t.notOk(feed.stdout.includes(id) || feed.stdout.includes('Veronika'), 'none of them is about the erased visitor');
  t.ok(entries.some((e) => 'visitorId' in e && e.visitorId === waltId), 'the other visitor\'s entries are all there');
  const again = await runCac(['visitors', 'show', id, ...data]);
  t.equal(again.code, 1);
  t.equal(again.stderr, `cac: no visitor ${id}\n`);
  const twice = await runCac(['privacy', 'erase', '--visitor', id, '--yes', ...data]);
  t.equal(twice.code, 1, 'nothing left to erase');
  t.ok(output('visitors.show', (await runCac(['visitors', 'show', waltId, '--json', ...data])).stdout).visitor, 'the other visitor is untouched');
  await hub.close();
  for (const needle of [id, 'Veronika', ADDRESS]) t.same(await holding(hub.dir, needle), [], `nor after the hub stopped: ${needle}`);
});

t.test('retention: a hub removes old ended chats at start and again a day later', async (t) => {
  const dir = t.testdir();
  await seedData(dir, ['alice']);
  const timers = new ManualTimers();
  const day = 86_400_000;
  const store = new EmbeddedStore(dir);
  await store.open();
  const ended = (id: string, at: number) => ({id, kind: 'visitor' as const, site: 'example.com', visitorId: 'v1', state: 'ended' as const, operators: ['alice'], requestedAt: at, endedAt: at});
  await store.putChat(ended('old', timers.now() - 40 * day));
  await store.putChat(ended('recent', timers.now() - 25 * day));
  await store.close();

  const hub = await startTestHub({dir, retainDays: 30, timers, now: timers.now});
  t.teardown(() => hub.close());
  const gone = async (id: string) => (await hub.hub.store.chat(id)) === undefined;
  for (let i = 0; i < 200 && !(await gone('old')); i++) await new Promise((r) => setTimeout(r, 20));
  t.ok(await gone('old'), 'older than 30 days: removed at start');
  t.notOk(await gone('recent'), '25 days old: kept');
  // Day by day: each run schedules the next once it is done.
  for (let d = 1; d <= 5; d++) {
    await until(() => timers.waiting > 0);
    timers.advance(day);
    await new Promise((r) => setTimeout(r, 50));
  }
  t.notOk(await gone('recent'), 'five days on it is 30 days old: still kept');
  await until(() => timers.waiting > 0);
  timers.advance(day);
  for (let i = 0; i < 200 && !(await gone('recent')); i++) await new Promise((r) => setTimeout(r, 20));
  t.ok(await gone('recent'), 'the day it passes 30 days, it goes');

  const bad = await runCac(['hub', '--retain-days', '0', '--data', dir]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--retain-days wants a whole number of days/);
});
