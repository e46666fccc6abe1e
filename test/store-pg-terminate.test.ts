import {setTimeout as sleep} from 'node:timers/promises';
import t from 'tap';
import {PgStore} from '../src/store/pg/pg-store.js';
import {NotStoredError} from '../src/store/store.js';
import type {ChatRecord, NewEvent} from '../src/store/types.js';
import {acceptedChat, startTestHub} from './helpers/hub.js';
import type {Frame, Peer} from './helpers/peer.js';
import {recordCrashes} from './helpers/crashes.js';
import {noPostgres, seededSchema, testPostgres} from './helpers/postgres.js';

/*
 * PostgreSQL ends the hub's connections again and again while it writes and reads (a failover,
 * a restart, an administrator's pg_terminate_backend). The process must live through it (an
 * uncaught error in the driver would end it), every write answered stored or not stored, every
 * stored one there once and in order, and the store writing again as soon as the storm is over.
 * Then the same through a hub, with visitors and an operator sending as the widget and client do.
 * Without the driver's patch (patches/README.md) both fail with the driver's crashes.
 */

const missing = noPostgres();
if (missing) {
  t.test('PostgreSQL backends terminated under traffic', {skip: missing}, () => {});
} else {
  const crashes = recordCrashes();

  const pg = await testPostgres();
  t.teardown(() => pg.stop());

  const chat: ChatRecord = {id: 'c1', kind: 'visitor', site: 'example.com', visitorId: 'v1', state: 'active', operators: ['bob'], requestedAt: 1000};
  const msg = (id: string): NewEvent => ({kind: 'msg', from: 'visitor', name: 'V', text: `text of ${id}`, at: 5, id});
  const tag = {type: 'chat.message', site: 'example.com', visitorId: 'v1'} as const;
  /** Ends every connection of cac's to the server, every 40-120 ms until `end`: how many it ended. */
  const storm = async (end: number): Promise<number> => {
    let kills = 0;
    while (Date.now() < end) {
      kills += (await pg.admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cac' AND pid <> pg_backend_pid()`).length;
      await sleep(40 + Math.random() * 80);
    }
    return kills;
  };

  t.test('backends terminated every 40-120 ms for 10 s while 8 writers and 2 readers run', async (t) => {
    crashes.length = 0;
    const store = new PgStore(pg.url, {schema: pg.schemaFor(t.testdir()), max: 4, writeTimeoutMs: 2000, readTimeoutMs: 2000, log: () => {}});
    await store.open();
    t.teardown(() => store.close());
    await store.putChat(chat);

    const asked: string[] = [];
    const acked: string[] = [];
    const refused: string[] = [];
    const failedOtherwise: string[] = [];
    let reads = 0;
    const end = Date.now() + 10_000;
    const writer = async () => {
      while (Date.now() < end) {
        const id = `m${asked.length}`;
        asked.push(id);
        try {
          await store.appendEvent('c1', msg(id), undefined, tag);
          acked.push(id);
        } catch (error) {
          if (error instanceof NotStoredError) refused.push(id);
          else failedOtherwise.push(`${id}: ${String(error)}`);
        }
      }
    };
    const reader = async () => {
      while (Date.now() < end) {
        // A failed read is an answer too (the hub tells the operator); only crashes count.
        await Promise.all([store.events('c1', Math.max(0, acked.length - 5)), store.chat('c1')]).then(() => reads++, () => {});
      }
    };
    const [kills] = await Promise.all([storm(end), ...Array.from({length: 8}, writer), reader(), reader()]);

    t.same(crashes, [], 'nothing uncaught: the process would have lived');
    t.same(failedOtherwise, [], 'every write answered stored or not stored');
    t.ok(kills >= 30 && refused.length > 0 && acked.length > 0 && reads > 0, `the storm hit writes and reads (${kills} backends ended; ${acked.length} writes stored, ${refused.length} not; ${reads} reads answered)`);

    // Storing again once it is over: the next write is stored within a few tries.
    let again = false;
    for (let i = 0; i < 20 && !again; i++) again = await store.appendEvent('c1', msg('after'), undefined, tag).then(() => true, () => sleep(250).then(() => false));
    t.ok(again, 'stores again once the storm is over');

    const stored = await store.events('c1');
    const ids = stored.map((e) => e.id ?? '');
    t.same(stored.map((e) => e.seq), ids.map((_, i) => i + 1), 'seqs 1..N: no gap');
    t.same(acked.filter((id) => !ids.includes(id)), [], 'every write answered stored is there');
    const order = ids.filter((id) => acked.includes(id)).map((id) => Number(id.slice(1)));
    t.same(order, [...order].sort((a, b) => a - b), 'in the order asked');

    // A commit lost in flight may have reached the server: the sender resends (as the widget
    // does), and its client id makes it stored once.
    for (const id of refused) await store.appendEvent('c1', msg(id), undefined, tag);
    const all = (await store.events('c1')).map((e) => e.id ?? '');
    t.same([...all].filter((id) => id !== 'after').sort(), [...asked].sort(), 'after the resends every write is there exactly once');
  });

  t.test('a hub on PostgreSQL through the same storm: what visitors and the operator sent is all there once, in order, on both sides', async (t) => {
    crashes.length = 0;
    const dir = t.testdir();
    const {schema, tokens} = await seededSchema(pg, dir, ['bob']);
    const hub = await startTestHub({dir, store: new PgStore(pg.url, {schema, writeTimeoutMs: 2000, readTimeoutMs: 2000, log: () => {}}), geoip: false});
    hub.tokens.bob = tokens.bob!;
    t.teardown(() => hub.close());
    const bob = await hub.operator('bob');
    const visitors: Array<{peer: Peer; chatId: string}> = [];
    for (let i = 0; i < 6; i++) {
      const peer = await hub.visitor();
      visitors.push({peer, chatId: await acceptedChat(peer, bob)});
    }

    // Sends as the widget and the client do: one message at a time, again (same id) when
    // refused as not stored. Paced under the per-visitor limit of 40 a minute.
    const unexpected: Frame[] = [];
    let refusals = 0;
    const sendStored = async (peer: Peer, frame: Frame & {id: string}): Promise<void> => {
      for (;;) {
        const from = peer.frames.length;
        peer.send(frame);
        const answer = await peer.waitFor((f) => (f.t === 'ack' && f.id === frame.id) || (f.t === 'error' && f.ref === frame.id), 30_000, from);
        if (answer.t === 'ack') return;
        if (answer.code !== 'not_stored') return void unexpected.push(answer);
        refusals++;
        await sleep(300);
      }
    };
    const sent = new Map<string, string[]>(visitors.map((v) => [v.chatId, []]));
    const end = Date.now() + 10_000;
    const visitorSends = async ({peer, chatId}: {peer: Peer; chatId: string}) => {
      for (let i = 0; Date.now() < end; i++) {
        const text = `visitor ${chatId} ${i}`;
        sent.get(chatId)!.push(text);
        await sendStored(peer, {t: 'msg', id: peer.nextId(), text});
        await sleep(1200);
      }
    };
    const bobSends = async () => {
      for (let i = 0; Date.now() < end; i++) {
        const {chatId} = visitors[i % visitors.length]!;
        const text = `bob ${chatId} ${i}`;
        sent.get(chatId)!.push(text);
        await sendStored(bob, {t: 'msg', id: bob.nextId(), chatId, text});
        await sleep(100);
      }
    };
    const [kills] = await Promise.all([storm(end), ...visitors.map(visitorSends), bobSends()]);

    t.same(crashes, [], 'nothing uncaught: the hub would have lived');
    t.same(unexpected, [], 'every message answered stored or not stored');
    t.ok(kills >= 20 && refusals > 0, `the storm refused messages (${kills} backends ended, ${refusals} refusals)`);
    for (const {peer, chatId} of visitors) {
      // What a peer was sent of the chat's messages, as its client shows them: by seq (a history
      // read and a live message may arrive in either order), each seq once.
      const got = (p: Peer, from?: string) => {
        const events = p.frames.flatMap((f) => (f.t === 'ev' && f.chatId === chatId && f.e.kind === 'msg' && (!from || (f.e.text as string).startsWith(from)) ? [f.e] : []));
        const seqs = events.map((e) => e.seq as number);
        return {doubled: seqs.length - new Set(seqs).size, texts: events.sort((a, b) => a.seq - b.seq).map((e) => e.text as string)};
      };
      const want = sent.get(chatId)!;
      await bob.waitFor(() => got(bob).texts.length > want.length, 20_000).catch(() => undefined);
      await peer.waitFor(() => got(peer, 'bob').texts.length >= want.filter((x) => x.startsWith('bob')).length, 20_000).catch(() => undefined);
      const stored = (await hub.hub.store.events(chatId)).filter((e) => e.kind === 'msg').map((e) => e.text);
      t.same([...stored].sort(), [...want, 'hi'].sort(), `chat ${chatId}: every message stored once (and the request's 'hi')`);
      t.same(got(bob), {doubled: 0, texts: stored}, `chat ${chatId}: the operator got each once`);
      t.same(got(peer, 'bob'), {doubled: 0, texts: stored.filter((x) => x.startsWith('bob'))}, `chat ${chatId}: the visitor got each of the operator's once`);
    }
  });
}
