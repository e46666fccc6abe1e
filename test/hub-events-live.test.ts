import t from 'tap';
import {MemoryStore} from '../src/store/memory-store.js';
import {NotStoredError} from '../src/store/store.js';
import type {FeedFilter, FeedPage, NewFeedEntry} from '../src/store/feed.js';
import type {FeedEntry} from '../src/protocol/index.js';
import {addOperator} from '../src/accounts/operators.js';
import {addSite} from '../src/accounts/sites.js';
import type {ServerOptions} from '../src/hub/server.js';
import {acceptedChat, startTestHub, type TestHub} from './helpers/hub.js';
import {consecutive, entriesOf, follow, reached} from './helpers/events.js';

t.test('followers joining while traffic runs get every entry once, in order, then live (also past a full queue)', async (t) => {
  // A queue of three: followers catching up overflow it at once and read the store again.
  const hub = await startTestHub({followerLimits: {queued: 3}});
  t.teardown(() => hub.close());
  const store = hub.hub.store;
  // A history of several pages.
  await Promise.all(Array.from({length: 1200}, (_, i) => store.appendFeed({type: 'visitor.left', at: i, site: 'example.com', visitorId: `v${i}`})));
  const alice = await hub.operator('alice');
  const visitor = await hub.visitor();
  const chatId = await acceptedChat(visitor, alice);

  const followers = [{peer: await follow(hub.url, 'bob', hub.tokens.bob!, {since: 0}), first: 1}];
  const ids: string[] = [];
  for (let i = 0; i < 300; i++) {
    const id = alice.nextId();
    ids.push(id);
    alice.send({t: 'msg', id, chatId, text: `message ${i}`});
    if (i % 75 === 0) followers.push({peer: await follow(hub.url, 'bob', hub.tokens.bob!, {since: 0}), first: 1});
    if (i === 150) followers.push({peer: await follow(hub.url, 'bob', hub.tokens.bob!, {since: 600}), first: 601});
    if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  await alice.waitType('ack', (f) => f.id === ids.at(-1));
  const end = await store.feedEnd();
  for (const [i, {peer: f, first}] of followers.entries()) {
    await reached(f, end);
    // The replay's last page and the word that it is live are two frames: wait for both.
    await f.waitType('live');
    const entries = entriesOf(f);
    t.ok(consecutive(entries, first), `follower ${i}: cursors ${first} to ${end}, each once`);
    t.equal(entries.length, end - first + 1);
    t.equal(f.of('live').length, 1, 'told once that it is live');
  }
  const messages = entriesOf(followers[0]!.peer).filter((e) => e.type === 'chat.message' && e.operator === 'alice');
  t.same(
    messages.map((e) => ('event' in e ? e.event?.text : '')),
    ids.map((_, i) => `message ${i}`),
    "the chat's messages in the order they were sent",
  );
});

/** A hub on a store in memory, with a site and alice in it. */
async function memoryHub(store: MemoryStore, options: Partial<ServerOptions> = {}): Promise<TestHub> {
  await addSite(store, 'example.com');
  const {token} = await addOperator(store, 'alice');
  const hub = await startTestHub({store, ...options});
  hub.tokens.alice = token;
  return hub;
}

t.test('a follower that stops reading is closed with a reason, and resumes from its cursor', async (t) => {
  const store = new MemoryStore();
  const hub = await memoryHub(store, {followerLimits: {bufferBytes: 64 * 1024}});
  t.teardown(() => hub.close());
  const slow = await follow(hub.url, 'alice', hub.tokens.alice!);
  await slow.waitType('live');
  slow.ws.pause();
  const text = 'x'.repeat(200);
  for (let i = 0; i < 40_000; i++) {
    await store.appendFeed({type: 'invitation.sent', at: i, site: 'example.com', visitorId: `v${i}`, operator: 'alice', text});
    if (hub.hub.followers.size === 0) break;
  }
  t.equal(hub.hub.followers.size, 0, 'the hub let go of it');
  slow.ws.resume();
  t.match(await slow.waitClosed(), {code: 4004, reason: /too slow: reconnect and resume from the last cursor/});
  const got = entriesOf(slow);
  t.ok(got.length > 0 && consecutive(got), `it had ${got.length} entries, in order`);
  for (let i = 0; i < 5; i++) await store.appendFeed({type: 'visitor.left', at: i, site: 'example.com', visitorId: `v${i}`});
  const again = await follow(hub.url, 'alice', hub.tokens.alice!, {since: got.at(-1)!.cursor});
  await again.waitType('live');
  const rest = entriesOf(again);
  t.ok(rest.length >= 5 && consecutive([...got, ...rest]), 'resumed with no gap and nothing twice');
  t.equal(rest.at(-1)?.cursor, await store.feedEnd());
});

/** A store whose feed fails: cannot be read, or cannot be written. */
class FailingStore extends MemoryStore {
  failRead = false;
  failWrite = false;
  override feed(after: number, limit: number, filter?: FeedFilter): Promise<FeedPage> {
    return this.failRead ? Promise.reject(new Error('disk on fire')) : super.feed(after, limit, filter);
  }
  override appendFeed(entry: NewFeedEntry): Promise<FeedEntry> {
    return this.failWrite ? Promise.reject(new NotStoredError(new Error('ENOSPC'))) : super.appendFeed(entry);
  }
}

t.test('a feed that cannot be read closes the follower; an entry that cannot be stored refuses what it records', async (t) => {
  const store = new FailingStore();
  const logged: string[] = [];
  const hub = await memoryHub(store, {log: (line) => logged.push(line)});
  t.teardown(() => hub.close());
  store.failRead = true;
  const follower = await follow(hub.url, 'alice', hub.tokens.alice!, {since: 0});
  t.match(await follower.waitClosed(), {code: 1011, reason: 'the hub could not read its feed'});
  t.match(logged.join('\n'), /events of alice: disk on fire/);

  const alice = await hub.operator('alice');
  const visitor = await hub.visitor();
  const visitorId = visitor.of('welcome')[0]!.visitorId;
  store.failWrite = true;
  alice.send({t: 'visitor.invite', visitorId});
  t.match(await alice.waitType('error'), {code: 'not_stored'});
  t.match(logged.join('\n'), /could not store a invitation.sent entry/);
  store.failWrite = false;
  alice.send({t: 'visitor.invite', visitorId});
  t.match(await visitor.waitType('invite'), {name: 'alice'}, 'the refused invitation did not count: it can be sent again');
});
