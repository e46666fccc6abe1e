import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {startTestHub, type TestHub} from './helpers/hub.js';
import {keys, spawnTui, type Tui} from './helpers/tui.js';

async function client(t: {teardown(fn: () => unknown): void}, hub: TestHub, operator: string): Promise<Tui> {
  const config = await mkdtemp(join(tmpdir(), 'cac-config-'));
  const tui = spawnTui(['client', '--hub', hub.url, '--operator', operator], {
    env: {CAC_TOKEN: hub.tokens[operator], XDG_CONFIG_HOME: config},
  });
  t.teardown(() => tui.kill());
  await tui.waitForText('● connected');
  return tui;
}

t.test('a request rings and pops up; Enter opens a pane; messages flow both ways', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await client(t, hub, 'alice');
  t.match(alice.screen(), /alice on-line/);
  const visitor = await hub.visitor();
  visitor.send({t: 'chat.request', id: visitor.nextId(), name: 'Vera', text: 'Is the blue kettle in stock?'});
  await alice.waitForText('Chat request: Vera on example.com');
  await alice.waitForText('Is the blue kettle in stock?');
  await alice.waitUntil('a bell', () => alice.bells > 0);

  alice.write(keys.enter);
  await alice.waitForText('alice joined the chat');
  alice.write('Yes, we have three left');
  await alice.waitForText('> Yes, we have three left');
  alice.write(keys.enter);
  const got = await visitor.waitType('ev', (f) => f.e.kind === 'msg' && f.e.from === 'operator');
  t.equal(got.e.text, 'Yes, we have three left');

  visitor.send({t: 'msg', id: visitor.nextId(), text: 'Great, I will order one'});
  await alice.waitForText('Vera: Great, I will order one');
});
