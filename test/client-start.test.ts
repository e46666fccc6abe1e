import {mkdtemp, readdir, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {hubToVisitor, PROTOCOL_VERSION} from '../src/protocol/index.js';
import {Peer} from './helpers/peer.js';
import {keys, spawnTui} from './helpers/tui.js';

type Teardown = {teardown(fn: () => unknown): void};

/** `cac start` in a terminal on a new folder, once its client is connected. */
async function startInTerminal(t: Teardown) {
  const data = await mkdtemp(join(tmpdir(), 'cac-start-tui-'));
  const config = await mkdtemp(join(tmpdir(), 'cac-config-'));
  const tui = spawnTui(['start', '--port', '0', '--data', data], {env: {XDG_CONFIG_HOME: config}, cols: 80, rows: 24});
  t.teardown(() => tui.kill());
  await tui.waitForText('● connected');
  return {data, tui, url: /cac hub:\s+(http:\/\/\S+)/.exec(tui.raw())![1]!};
}

/** A visitor on the demo site, welcomed. */
async function demoVisitor(t: Teardown, url: string) {
  const visitor = await Peer.connect(`${url.replace('http', 'ws')}/ws/visitor?site=localhost`, hubToVisitor, {origin: `http://localhost:${new URL(url).port}`});
  t.teardown(() => visitor.close());
  visitor.send({t: 'hello', v: PROTOCOL_VERSION, site: 'localhost', page: {url: `http://localhost/demo/`, title: 'Demo shop'}});
  const {visitorId} = await visitor.waitType('welcome');
  return {visitor, visitorId};
}

t.test('npm start in a terminal runs the hub and opens the client as the local admin', async (t) => {
  const {data, tui, url} = await startInTerminal(t);
  await tui.waitForText(/admin on-line \| http:\/\/127\.0\.0\.1:\d+/);

  // A visitor on the demo site shows up in the admin's list, and its request rings.
  const {visitor} = await demoVisitor(t, url);
  await tui.waitForText('/demo/');
  visitor.send({t: 'chat.request', id: visitor.nextId(), name: 'Demo', text: 'hello from the demo'});
  await tui.waitForText('Chat request: Demo on localhost');
  await tui.waitUntil('a bell', () => tui.bells > 0);

  // The hub logs to a file, never onto the client's screen.
  t.match(await readFile(join(data, 'hub.log'), 'utf8'), /hub listening/);
  t.notOk(tui.screen().includes('hub listening'));

  tui.write(keys.ctrlC);
  await tui.waitUntil('the client to exit', () => tui.exitCode !== undefined, 20).catch(() => {});
  t.equal(tui.exitCode, 0, 'Ctrl+C with no chat open quits at once');
});

t.test('Ctrl+C asks before quitting while a chat is open', async (t) => {
  const {data, tui, url} = await startInTerminal(t);
  const {visitor} = await demoVisitor(t, url);
  visitor.send({t: 'chat.request', id: visitor.nextId(), text: 'hi'});
  await tui.waitForText('Chat request:');
  tui.write(keys.enter);
  await tui.waitForText('Admin joined the chat');
  tui.write(keys.ctrlC);
  await tui.waitForText('Quit with 1 chat(s) open? (y/N)');
  tui.write('n');
  await tui.waitUntil('the question to go', () => !tui.screen().includes('Quit with'));
  t.equal(tui.exitCode, undefined, 'still running after "n"');
  tui.write(keys.ctrlC);
  await tui.waitForText('Quit with 1 chat(s) open?');
  tui.write('y');
  await tui.waitUntil('the client to exit', () => tui.exitCode !== undefined, 20).catch(() => {});
  t.equal(tui.exitCode, 0);
});

t.test('closing the terminal stops npm start cleanly: the hub writes out its journal first', async (t) => {
  const {data, tui, url} = await startInTerminal(t);
  // A visitor, so that the journal holds something the checkpoint has not written out yet.
  const {visitorId} = await demoVisitor(t, url);
  t.ok((await readdir(data)).some((f) => /^journal-\d+\.wal$/.test(f)), 'the journal holds it');

  // The client's next redraw fails on the closed terminal (EIO): that must not end the process
  // before the hub has stopped.
  tui.hangUp();
  await tui.waitUntil('the process to exit', () => !tui.running(), 20);
  t.match(await readFile(join(data, 'hub.log'), 'utf8'), /SIGHUP: stopping/);
  const left = await readdir(data);
  t.same(left.filter((f) => f.endsWith('.wal')), [], 'the journal written out to its files and emptied');
  t.notOk(left.includes('hub.lock'), 'the lock let go, as at a clean stop');
  t.ok((await readdir(join(data, 'visitors'))).includes(`${visitorId}.json`), 'the visitor is in its own file');
});
