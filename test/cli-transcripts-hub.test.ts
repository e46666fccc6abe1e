import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {z} from 'zod';
import {chatEvent, chatRecord, hubToVisitor, PROTOCOL_VERSION, searchMatch} from '../src/protocol/index.js';
import {Peer} from './helpers/peer.js';
import {freePort, hubProcess, runCac} from './helpers/spawn.js';
import {seedTranscripts} from './helpers/transcripts.js';
import {connectOperator} from './helpers/widget-hub.js';

/*
 * `cac transcripts` with a hub running on the data folder: everything goes through the hub,
 * which keeps serving visitors meanwhile, and an export taken while chats go on is whole.
 */

const exported = z.object({format: z.literal('cac-transcript'), chat: chatRecord, events: z.array(chatEvent)});

async function running(t: {teardown(fn: () => unknown): void}, count: number) {
  const dir = await mkdtemp(join(tmpdir(), 'cac-transcripts-hub-'));
  t.teardown(() => rm(dir, {recursive: true, force: true}));
  const seeded = await seedTranscripts(dir, count);
  const port = await freePort();
  await hubProcess(t, dir, port).start();
  const base = `http://127.0.0.1:${port}`;
  return {...seeded, dir, base, cac: (...args: string[]) => runCac(['transcripts', ...args, '--data', dir])};
}

/** A visitor on example.com who asks to chat; alice accepts. Resolves with the chat id. */
async function liveChat(base: string, alice: Peer, text: string): Promise<{visitor: Peer; chatId: string}> {
  const visitor = await Peer.connect(`${base.replace('http', 'ws')}/ws/visitor?site=example.com`, hubToVisitor, {origin: 'https://example.com'});
  visitor.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com', page: {url: 'https://example.com/', title: 'Home'}});
  await visitor.waitType('welcome');
  visitor.send({t: 'chat.request', id: visitor.nextId(), text});
  const {chatId} = await visitor.waitType('chat.queued');
  alice.send({t: 'chat.accept', chatId});
  await alice.waitType('chat.assigned', (f) => f.chatId === chatId);
  return {visitor, chatId: chatId as string};
}

/** Events numbered 1, 2, 3 … with none missing: what a whole transcript holds. */
function whole(events: Array<{seq: number}>): boolean {
  return events.every((e, i) => e.seq === i + 1);
}

t.test('through a running hub: list, show, search, and failures as without one', async (t) => {
  const {cac, chats} = await running(t, 6);
  const list = await cac('list', '--verbose');
  t.equal(list.code, 0, list.stderr);
  t.match(list.stderr, /^cac: through the hub at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)\n$/);
  t.same(list.stdout.trimEnd().split('\n').map((l) => l.split('\t')[0]), chats.map((c) => c.id));
  const show = await cac('show', chats[1]!.id);
  t.match(show.stdout, /^Chat with Ann Lee on shop\.example\n/);
  const search = await cac('search', 'order 1004', '--json');
  t.same(z.array(searchMatch).parse(JSON.parse(search.stdout)).map((m) => m.chatId), [chats[4]!.id]);
  const unknown = await cac('show', 'no-such-chat');
  t.same([unknown.code, unknown.stdout, unknown.stderr], [1, '', 'cac: no chat no-such-chat\n']);
  const bad = await cac('export', '--until', 'soon');
  t.equal(bad.code, 2);
  t.match(bad.stderr, /Usage: cac transcripts export/);
});

t.test('an export while the hub serves live chats finishes, and every document is whole', async (t) => {
  const {cac, base, tokens, dir} = await running(t, 300);
  const alice = await connectOperator(base, 'alice', tokens.alice!);
  const live: Array<{visitor: Peer; chatId: string}> = [];
  for (let i = 0; i < 4; i++) live.push(await liveChat(base, alice, `live question ${i}`));

  // Messages keep coming in every live chat, and one chat ends, while the exports run.
  let talking = true;
  let sent = 0;
  const talk = (async () => {
    while (talking) {
      for (const {chatId} of live) alice.send({t: 'msg', id: alice.nextId(), chatId, text: `answer ${sent++}`});
      if (sent === 40) alice.send({t: 'chat.end', chatId: live[3]!.chatId});
      // 100 frames a second: half what the hub takes from one socket.
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  const out = join(dir, 'export');
  const [files, stream] = await Promise.all([cac('export', '--format', 'json', '--out', out), cac('export', '--format', 'jsonl')]);
  talking = false;
  await talk;

  for (const r of [files, stream]) {
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /^exported 304 transcripts, [\d.]+ MB, in [\d.]+ s/);
  }
  t.ok(sent > 8, `messages went on during the export (${sent})`);
  const names = await readdir(out);
  t.equal(names.length, 304, 'one file per chat, no temporary file left behind');
  const docs = [
    ...(await Promise.all(names.map(async (n) => exported.parse(JSON.parse(await readFile(join(out, n), 'utf8')))))),
    ...stream.stdout.trimEnd().split('\n').map((line) => exported.parse(JSON.parse(line))),
  ];
  for (const doc of docs) {
    const label = doc.chat.id;
    t.ok(whole(doc.events), `${label}: events 1…n`);
    // The record and the events are of one moment: an ended chat's last event is its end.
    if (doc.chat.state === 'ended') t.equal(doc.events.at(-1)?.kind, 'end', label);
    else t.notOk(doc.events.some((e) => e.kind === 'end'), label);
  }
  const liveDocs = docs.filter((d) => live.some((l) => l.chatId === d.chat.id));
  t.equal(liveDocs.length, 8, 'the live chats are in both exports');
  for (const doc of liveDocs) t.equal(doc.events[0]?.text, doc.chat.firstText);
  for (const {visitor} of live) visitor.close();
  alice.close();
});
