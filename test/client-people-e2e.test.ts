import t from 'tap';
import {startTestHub} from './helpers/hub.js';
import {until} from './helpers/manual-timers.js';
import {keys, startClient} from './helpers/tui.js';

const WIDE = {cols: 140, rows: 36};

t.test('location: a visitor behind a trusted proxy shows its country in the list and the pane', async (t) => {
  const hub = await startTestHub({trustProxy: true});
  t.teardown(() => hub.close());
  await until(() => hub.hub.locate('8.8.8.8') !== undefined);
  const alice = await startClient(t, hub.url, 'alice', hub.tokens.alice!, WIDE);
  const visitor = await hub.visitor({headers: {'x-forwarded-for': '8.8.8.8'}});
  await alice.waitForText(/\d+s [\w-]+ \/ · United States/);
  visitor.send({t: 'chat.request', id: visitor.nextId(), name: 'Vera', text: 'hello'});
  await alice.waitForText('Chat request: Vera');
  alice.write(keys.enter);
  await alice.waitForText('alice joined the chat');
  await alice.waitForText(/now: Home · 1 page · came directly · Chrome 120 on Linux · United States/);
  alice.write(keys.alt('d'));
  await alice.waitForText('Location: United States   Address: 8.8.8.8');
});

t.test('previous visits: a visitor who comes back after the visit timeout shows two visits with their pages', async (t) => {
  const hub = await startTestHub({visitTimeoutMs: 300});
  t.teardown(() => hub.close());
  const alice = await startClient(t, hub.url, 'alice', hub.tokens.alice!, WIDE);
  const first = await hub.visitor();
  const {visitorId, resumeToken} = first.of('welcome')[0]!;
  first.send({t: 'page', url: 'https://example.com/kettles', title: 'Kettles'});
  await alice.waitForText('/kettles');
  await new Promise((r) => setTimeout(r, 600));
  const again = await hub.visitor({hello: {visitorId, resumeToken, page: {url: 'https://example.com/order', title: 'Order'}}});
  t.equal(again.of('welcome')[0]!.visitorId, visitorId, 'the same visitor');
  first.close();
  await alice.waitForText('/order');
  alice.write(keys.shiftTab);
  await alice.waitForText(/Alt\+V earlier/);
  alice.write(keys.alt('v'));
  await alice.waitForText(/Visits of visitor \S+ \(2\), newest first/);
  const screen = alice.screen();
  const order = screen.indexOf('Order  https://example.com/order');
  const kettles = screen.indexOf('Kettles  https://example.com/kettles');
  t.ok(order > 0 && kettles > order, 'both visits with their pages, the newest first');
  t.equal(screen.match(/ · \d+[sm] · \d+ pages? · came directly · local network/g)?.length, 2, 'a line about each visit');
  alice.write(keys.esc);
  await alice.waitUntil('the visits to close', () => !alice.screen().includes('Visits of'));
});

t.test('history: no key for a first-time visitor; after their chat ended it opens that chat read-only', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await startClient(t, hub.url, 'alice', hub.tokens.alice!, WIDE);
  const visitor = await hub.visitor();
  visitor.send({t: 'chat.request', id: visitor.nextId(), name: 'Vera', text: 'Is the blue kettle in stock?'});
  await alice.waitForText('Chat request: Vera');
  alice.write(keys.enter);
  await alice.waitForText('alice joined the chat');
  alice.write(keys.tab);
  await alice.waitForText(/Alt\+V earlier/);
  t.notMatch(alice.screen(), /Alt\+H/, 'a first-time visitor: no history key');
  alice.write(keys.f1);
  await alice.waitForText('Help: keys');
  t.notMatch(alice.screen(), /Alt\+H/, 'nor in the help');
  alice.write(keys.esc);
  await alice.waitUntil('the help to close', () => !alice.screen().includes('Help: keys'));

  alice.write(keys.alt('1'));
  alice.write(keys.alt('x'));
  await alice.waitForText('ended');
  await visitor.waitType('chat.closed');
  alice.write(keys.alt('w'));
  await alice.waitForText('no chats open');
  visitor.send({t: 'page', url: 'https://example.com/more', title: 'More'});
  await alice.waitForText('/more');
  alice.write(keys.shiftTab);
  await alice.waitForText(/Alt\+H earlier/);
  alice.write(keys.alt('h'));
  await alice.waitForText(/Earlier chats of Vera/);
  await alice.waitForText(/\d+ \w+ \d\d:\d\d {2}alice {2}Is the blue kettle in stock\?/);
  alice.write(keys.enter);
  await alice.waitForText('Vera: Is the blue kettle in stock?');
  await alice.waitForText(/ 1 \d+ \w+ alice /);
  alice.write('x');
  await alice.waitForText('an earlier chat is read-only');
  t.notMatch(alice.screen(), /> x/, 'nothing typed');
});

t.test('transfer: /transfer bob with a note rings bob alone; bob takes it, alice is told', async (t) => {
  const hub = await startTestHub({operators: ['alice', 'bob', 'carol']});
  t.teardown(() => hub.close());
  const [alice, bob] = await Promise.all([startClient(t, hub.url, 'alice', hub.tokens.alice!, WIDE), startClient(t, hub.url, 'bob', hub.tokens.bob!, WIDE)]);
  const carol = await hub.operator('carol');
  const visitor = await hub.visitor();
  visitor.send({t: 'chat.request', id: visitor.nextId(), name: 'Vera', text: 'My order 1234 is late'});
  await Promise.all([alice.waitForText('Chat request: Vera'), bob.waitForText('Chat request: Vera')]);
  alice.write(keys.enter);
  await alice.waitForText('alice joined the chat');
  await bob.waitUntil('bob\'s popup to close', () => !bob.screen().includes('Chat request:'));
  const bells = {alice: alice.bells, bob: bob.bells};
  const rings = carol.of('chat.requested').length;

  alice.write('/transfer bob please take this');
  alice.write(keys.enter);
  await bob.waitForText('alice offers you Vera on example.com');
  await bob.waitForText('Note: please take this');
  await bob.waitForText('Vera: My order 1234 is late');
  await bob.waitUntil('bob rung', () => bob.bells === bells.bob + 1);
  await alice.waitForText('OFFR Vera → bob');
  await carol.waitType('chat.update', (f) => f.chat.offeredTo === 'bob');
  t.equal(carol.of('chat.requested').length, rings, 'nobody else is rung');
  t.equal(alice.bells, bells.alice);

  bob.write(keys.enter);
  await bob.waitForText('bob joined the chat');
  await bob.waitForText('Vera: My order 1234 is late');
  await alice.waitForText('bob took the chat');
  visitor.send({t: 'msg', id: visitor.nextId(), text: 'hello bob'});
  await bob.waitForText('Vera: hello bob');
});

t.test('invite: Alt+I on the visitors list; the visitor answers and the chat is the operator\'s', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await startClient(t, hub.url, 'alice', hub.tokens.alice!, WIDE);
  const visitor = await hub.visitor();
  await alice.waitForText('Visitors (1)');
  alice.write(keys.shiftTab);
  await alice.waitForText(/Alt\+I invite/);
  alice.write(keys.alt('i'));
  const invite = await visitor.waitType('invite');
  t.match(invite, {name: 'alice'});
  await alice.waitForText(/invited visitor \S+ to chat/);
  alice.write(keys.alt('i'));
  await alice.waitForText('not_possible');

  visitor.send({t: 'chat.request', id: visitor.nextId(), name: 'Vera', text: 'Yes, a blue one'});
  await alice.waitForText('Vera accepted: the chat is yours');
  await alice.waitForText('Vera: Yes, a blue one');
  await alice.waitForText(' 1 Vera ');
  t.notMatch(alice.screen(), /Chat request:/, 'no popup: the chat is already mine');
  alice.write('Blue it is');
  alice.write(keys.enter);
  await visitor.waitType('ev', (f) => f.e.text === 'Blue it is');
});
