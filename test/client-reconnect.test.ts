import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {hubToVisitor, PROTOCOL_VERSION} from '../src/protocol/index.js';
import {seedData} from './helpers/hub.js';
import {Peer} from './helpers/peer.js';
import {freePort, hubProcess} from './helpers/spawn.js';
import {keys, startClient} from './helpers/tui.js';

async function visitor(base: string, hello: Record<string, unknown> = {}): Promise<Peer> {
  const peer = await Peer.connect(`${base.replace('http', 'ws')}/ws/visitor?site=example.com`, hubToVisitor, {origin: 'https://example.com'});
  peer.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com', page: {url: 'https://example.com/', title: 'Home'}, ...hello});
  await peer.waitType('welcome');
  return peer;
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

t.test('hub killed and restarted mid-chat: the client says so, reconnects, nothing lost or doubled', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-client-restart-'));
  const tokens = await seedData(dir, ['alice']);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const hubs = hubProcess(t, dir, port);
  const startHub = () => hubs.start();
  const first = await startHub();
  const alice = await startClient(t, base, 'alice', tokens.alice!);
  const vera = await visitor(base);
  vera.send({t: 'chat.request', id: vera.nextId(), name: 'Vera', text: 'before the crash'});
  const welcome = vera.frames.find((f) => f.t === 'welcome')!;
  await alice.waitForText('Chat request: Vera');
  alice.write(keys.enter);
  await alice.waitForText('alice joined the chat');
  alice.write('first answer');
  await alice.waitForText('> first answer');
  alice.write(keys.enter);
  await vera.waitType('ev', (f) => f.e.text === 'first answer');

  first.child.kill('SIGKILL');
  await first.exited;
  await alice.waitForText('○ disconnected');
  alice.write('typed while the hub was down');
  await alice.waitForText('> typed while the hub was down');
  alice.write(keys.enter);
  await alice.waitForText('typed while the hub was down (sending…)');

  await startHub();
  await alice.waitForText('● connected', 30);
  await alice.waitForText('alice: typed while the hub was down');
  const lastSeq = Math.max(...vera.of('ev').map((f) => f.e.seq as number));
  const back = await visitor(base, {visitorId: welcome.visitorId, resumeToken: welcome.resumeToken, lastSeq});
  await back.waitType('ev', (f) => f.e.text === 'typed while the hub was down');
  back.send({t: 'msg', id: back.nextId(), text: 'after the restart'});
  await alice.waitForText('Vera: after the restart');

  const screen = alice.screen();
  for (const line of ['Vera: before the crash', 'alice joined the chat', 'alice: first answer', 'alice: typed while the hub was down', 'Vera: after the restart']) {
    t.equal(count(screen, line), 1, `"${line}" shown once`);
  }
  t.notOk(screen.includes('(sending…)'), 'nothing is left unsent');
  t.equal(back.of('ev').filter((f) => f.e.text === 'typed while the hub was down').length, 1, 'the visitor got the queued message once: ' + JSON.stringify(back.frames));
});
