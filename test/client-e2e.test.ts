import t from 'tap';
import {startTestHub, type TestHub} from './helpers/hub.js';
import {keys, startClient, type Tui} from './helpers/tui.js';
import type {Peer} from './helpers/peer.js';

function client(t: {teardown(fn: () => unknown): void}, hub: TestHub, operator: string): Promise<Tui> {
  return startClient(t, hub.url, operator, hub.tokens[operator]!);
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

async function request(hub: TestHub, name: string, text: string): Promise<{visitor: Peer; chatId: string}> {
  const visitor = await hub.visitor();
  visitor.send({t: 'chat.request', id: visitor.nextId(), name, text});
  const queued = await visitor.waitType('chat.queued');
  return {visitor, chatId: queued.chatId as string};
}

t.test('two clients are both rung; the first Enter wins; leaving re-rings the other', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const [alice, bob] = await Promise.all([client(t, hub, 'alice'), client(t, hub, 'bob')]);
  await request(hub, 'Vera', 'Do you ship abroad?');
  await Promise.all([alice.waitForText('Chat request: Vera'), bob.waitForText('Chat request: Vera')]);
  await alice.waitUntil('alice rung', () => alice.bells === 1);
  await bob.waitUntil('bob rung', () => bob.bells === 1);

  alice.write(keys.enter);
  await alice.waitForText('alice joined the chat');
  await bob.waitUntil('bob\'s popup to close', () => !bob.screen().includes('Chat request:'));
  await bob.waitForText('with Vera → alice');
  t.pass('the other operator sees who has the chat');

  alice.write(keys.alt('l'));
  await alice.waitForText('alice left the chat');
  await bob.waitUntil('bob rung again', () => bob.bells === 2);
  await bob.waitForText('Chat request: Vera');
  t.equal(alice.bells, 1, 'the operator who left is not rung again');
  bob.write(keys.enter);
  await bob.waitForText('bob joined the chat');
});

t.test('two chats in two panes: switch by key, the background pane counts unread', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await client(t, hub, 'alice');
  const one = await request(hub, 'Vera', 'first question');
  await alice.waitForText('Chat request: Vera');
  alice.write(keys.enter);
  await alice.waitForText('alice joined the chat');
  await request(hub, 'Walt', 'second question');
  await alice.waitForText('Chat request: Walt');
  alice.write(keys.enter);
  await alice.waitForText('Walt: second question');
  await alice.waitForText(' 2 Walt ');

  one.visitor.send({t: 'msg', id: one.visitor.nextId(), text: 'are you still there?'});
  await alice.waitForText(' 1 Vera (1) ');
  t.notOk(alice.screen().includes('are you still there?'), 'the message is in the background pane');
  alice.write(keys.alt('1'));
  await alice.waitForText('Vera: are you still there?');
  await alice.waitUntil('the unread count to clear', () => !alice.screen().includes('Vera (1)'));
  alice.write(keys.alt('2'));
  await alice.waitForText('Walt: second question');

  // The visitor closes the chat from the widget.
  alice.write(keys.alt('1'));
  await alice.waitForText('Vera: are you still there?');
  one.visitor.send({t: 'chat.leave'});
  await alice.waitForText('Visitor has left the conversation');
});

t.test('typing indicator with sneak preview; the screen follows a resize to 80x24', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await client(t, hub, 'alice');
  const {visitor} = await request(hub, 'Vera', 'hello');
  await alice.waitForText('Chat request: Vera');
  alice.write(keys.enter);
  await alice.waitForText('alice joined the chat');
  visitor.send({t: 'typing', typing: true, preview: 'where is my par'});
  await alice.waitForText('Vera is typing: where is my par');
  visitor.send({t: 'typing', typing: false});
  await alice.waitUntil('the indicator to go', () => !alice.screen().includes('is typing'));

  alice.proc.resize(80, 24);
  alice.term.resize(80, 24);
  await alice.waitUntil('the 80x24 layout', () => {
    const lines = alice.lines();
    return (
      /● connected \| alice on-line/.test(lines[22] ?? '') &&
      /^Visitors \(1\)/.test(lines[0] ?? '') &&
      /now: Home · 1 page · came directly/.test(lines[1] ?? '') &&
      /Vera: hello/.test(lines[2] ?? '')
    );
  });
  t.match(alice.screen(), /Chatting Visitors \(1\)/);
});

t.test('desktop notifications (OSC 9) when chosen, and no bell when the bell is off', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await startClient(t, hub.url, 'alice', hub.tokens.alice!, {}, {bell: false, notify: 'osc9'});
  await request(hub, 'Vera', 'a question\x1b]0;x\x07');
  await alice.waitForText('Chat request: Vera');
  await alice.waitUntil('the notification', () => alice.raw().includes('\x1b]9;Chat request from Vera on example.com: a question'));
  t.equal(alice.bells, 0);
  t.same(alice.titles, [], 'the notification text cannot smuggle a title change');
});
