import t from 'tap';
import {startTestHub, type TestHub} from './helpers/hub.js';
import {keys, startClient, type Tui} from './helpers/tui.js';

function client(t: {teardown(fn: () => unknown): void}, hub: TestHub, operator: string): Promise<Tui> {
  return startClient(t, hub.url, operator, hub.tokens[operator]!);
}

t.test('operator chat between two clients, both directions, and it rings', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const [alice, bob] = await Promise.all([client(t, hub, 'alice'), client(t, hub, 'bob')]);
  await alice.waitForText('● bob (bob) on-line');
  alice.write(keys.alt('o'));
  alice.write(keys.enter);
  await alice.waitForText(' 1 @bob ');
  alice.write('can you take the next one?');
  await alice.waitForText('> can you take the next one?');
  alice.write(keys.enter);
  await alice.waitForText('alice: can you take the next one?');

  await bob.waitForText(' 1 @alice (1) ');
  await bob.waitUntil('bob rung', () => bob.bells === 1);
  bob.write(keys.alt('1'));
  await bob.waitForText('alice: can you take the next one?');
  bob.write('sure');
  await bob.waitForText('> sure');
  bob.write(keys.enter);
  await bob.waitForText('bob: sure');
  await alice.waitForText('bob: sure');
  t.equal(alice.bells, 0, 'a reply in the pane I am looking at does not ring');
});

t.test('escape sequences from a visitor change nothing on the screen but harmless text', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await client(t, hub, 'alice');
  const visitor = await hub.visitor();
  visitor.send({t: 'chat.request', id: visitor.nextId(), name: 'Eve\x1b[31mRED', text: 'hello'});
  await alice.waitForText('Chat request: Eve␛[31mRED');
  alice.write(keys.enter);
  await alice.waitForText('alice joined the chat');
  const bells = alice.bells;
  const evil = 'A\x1b[2J B\x1b]0;pwned\x07 C\x1b]52;c;aGk=\x07 D\x1b]8;;http://x\x07link\x1b]8;;\x07 E\x9b2J\x07';
  visitor.send({t: 'msg', id: visitor.nextId(), text: evil});
  await alice.waitForText('A␛[2J B␛]0;pwned␇ C␛]52;c;aGk=␇');
  await alice.waitForText('D␛]8;;http://x␇link␛]8;;␇ E‹9B›2J␇');
  t.same(alice.titles, [], 'the window title never changed');
  t.equal(alice.bells, bells, 'no bell from the message');
  t.match(alice.screen(), /Visitors \(1\)/, 'the rest of the screen is intact');
  t.match(alice.screen(), /Chatting Visitors \(1\)/);
  const raw = alice.raw();
  t.notOk(raw.includes('\x1b]52'), 'no clipboard write reached the terminal');
  t.notOk(raw.includes('\x1b]8;'), 'no hyperlink reached the terminal');
  t.notOk(raw.includes('\x1b]0;'), 'no title sequence reached the terminal');
  t.notOk(raw.includes('\x1b[2J', raw.indexOf('alice joined')), 'no clear-screen after the chat began');
  t.notOk(raw.includes('\x9b'), 'no C1 control reached the terminal');
});

t.test('status by key: other operators see it, and an away operator is not rung', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const [alice, bob] = await Promise.all([client(t, hub, 'alice'), client(t, hub, 'bob')]);
  await bob.waitForText('● alice (alice) on-line');
  alice.write(keys.alt('t'));
  await alice.waitForText('alice away');
  await bob.waitForText('● alice (alice) away');
  const visitor = await hub.visitor();
  visitor.send({t: 'chat.request', id: visitor.nextId(), name: 'Vera', text: 'anyone?'});
  await bob.waitForText('Chat request: Vera');
  await alice.waitForText('WAIT');
  t.equal(alice.bells, 0, 'away: the list shows the chat but nothing rings');
  t.notOk(alice.screen().includes('Chat request:'));
  alice.write(keys.alt('t'));
  await alice.waitForText('alice off-line');
  alice.write(keys.alt('t'));
  await alice.waitForText('alice on-line');
  await bob.waitForText('● alice (alice) on-line');
});

t.test('an operator chat opened long after it began shows its last lines', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const bob = await hub.operator('bob');
  t.teardown(() => bob.close());
  // Written while alice's client was not running: her pane opens on line 151.
  let last = '';
  for (let i = 1; i <= 150; i++) {
    last = bob.nextId();
    bob.send({t: 'op.msg', id: last, to: 'alice', text: `line ${i}.`});
  }
  await bob.waitType('ack', (f) => f.id === last);
  const alice = await client(t, hub, 'alice');
  await alice.waitForText('● bob (bob) on-line');
  bob.send({t: 'op.msg', id: bob.nextId(), to: 'alice', text: 'line 151.'});
  await alice.waitForText(' 1 @bob (1) ');
  alice.write(keys.alt('1'));
  await alice.waitForText('bob: line 151.');
  await alice.waitForText('bob: line 150.');
  t.match(alice.screen(), /bob: line 140\./, 'the lines before it, fetched when the pane opened');
  t.match(alice.screen(), / 1 @bob /, 'they counted as no unread lines');
});
