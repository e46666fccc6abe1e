import t from 'tap';
import type {Browser, Page} from 'playwright-core';
import {askForChat, launchBrowser, noBrowser} from './helpers/browser.js';
import {ManualTimers, until} from './helpers/manual-timers.js';
import {keys, startClient, type Tui} from './helpers/tui.js';
import {startWidgetHub, type WidgetHub} from './helpers/widget-hub.js';

const WIDE = {cols: 140, rows: 36};
const OPERATORS = [
  {name: 'alice', displayName: 'Alice'},
  {name: 'bob', displayName: 'Bob'},
  {name: 'carol', displayName: 'Carol'},
];
const skip = noBrowser();

type Teardown = {teardown(fn: () => unknown): void};

/** A visitor of its own in Chromium (a fresh profile), on the demo page. */
async function visitorPage(t: Teardown, browser: Browser, hub: WidgetHub): Promise<Page> {
  const context = await browser.newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.goto(`${hub.origin}/demo/`);
  return page;
}

/** alice and bob in terminals, carol on a plain connection; Vera asks from the demo page and alice takes the chat. */
async function aliceChatting(t: Teardown, browser: Browser, hub: WidgetHub) {
  const [alice, bob] = await Promise.all([startClient(t, hub.url, 'alice', hub.tokens.alice!, WIDE), startClient(t, hub.url, 'bob', hub.tokens.bob!, WIDE)]);
  const carol = await hub.connect('carol');
  t.teardown(() => carol.close());
  const page = await visitorPage(t, browser, hub);
  await askForChat(page, 'My order 1234 is late', 'Vera');
  await Promise.all([alice.waitForText('Chat request: Vera'), bob.waitForText('Chat request: Vera')]);
  alice.write(keys.enter);
  await alice.waitForText('Alice joined the chat');
  await page.getByRole('status').getByText('You are chatting with Alice').waitFor();
  await bob.waitUntil('bob\'s popup to close', () => !bob.screen().includes('Chat request:'));
  const chatId = (await carol.waitType('chat.assigned', (f) => f.operator === 'alice')).chatId as string;
  return {alice, bob, carol, page, chatId};
}

/** alice offers her chat to bob from its pane; bob's terminal pops the offer up. */
async function offerToBob(alice: Tui, bob: Tui, note = '') {
  alice.write(`/transfer bob${note ? ` ${note}` : ''}`);
  alice.write(keys.enter);
  await bob.waitForText('Alice offers you Vera on localhost');
  await alice.waitForText('OFFR Vera → bob');
}

t.test('handing a chat to a colleague, the visitor in Chromium', {skip}, async (t) => {
  const browser = await launchBrowser();
  t.teardown(() => browser.close());

  t.test('transfer: /transfer bob with a note rings bob alone; bob takes it, alice is told, the visitor sees Bob', async (t) => {
    const hub = await startWidgetHub({operators: OPERATORS});
    t.teardown(() => hub.close());
    const {alice, bob, carol, page} = await aliceChatting(t, browser, hub);
    const bells = {alice: alice.bells, bob: bob.bells};
    const rings = carol.of('chat.requested').length;

    await offerToBob(alice, bob, 'please take this');
    await bob.waitForText('Note: please take this');
    await bob.waitForText('Vera: My order 1234 is late');
    await bob.waitUntil('bob rung', () => bob.bells === bells.bob + 1);
    await carol.waitType('chat.update', (f) => f.chat.offeredTo === 'bob');
    t.equal(carol.of('chat.requested').length, rings, 'nobody else is rung');
    t.equal(alice.bells, bells.alice);

    bob.write(keys.enter);
    await bob.waitForText('Bob joined the chat');
    await alice.waitForText('Bob took the chat');
    await page.getByRole('status').getByText('You are chatting with Bob').waitFor();
    await page.getByRole('log').getByText('Bob joined the chat').waitFor();
    await page.getByRole('textbox', {name: 'Your message'}).fill('hello bob');
    await page.getByRole('button', {name: 'Send'}).click();
    await bob.waitForText('Vera: hello bob');
    t.notOk((await page.getByRole('dialog').innerText()).includes('please take this'), 'the note never reaches the visitor');
  });

  t.test('transfer: ignored for the minute, the chat rings everyone again; declined with Esc, the same', async (t) => {
    // The operators' terminals read the real clock: the hub's starts there, and moves only when told.
    const timers = new ManualTimers(Date.now());
    const hub = await startWidgetHub({operators: OPERATORS, timers, now: timers.now});
    t.teardown(() => hub.close());
    const {alice, bob, carol, chatId} = await aliceChatting(t, browser, hub);
    const ringsFor = () => carol.of('chat.requested').filter((f) => f.chat.id === chatId).length;

    // bob lets the offer be: after 60 s on the hub's clock the chat waits for everyone.
    await offerToBob(alice, bob);
    let bells = {alice: alice.bells, bob: bob.bells};
    let rings = ringsFor();
    await until(() => hub.hub.deadlines.has({kind: 'offer', chatId}));
    timers.advance(60_000);
    await alice.waitForText('Bob did not answer in time: the chat waits for everyone');
    await alice.waitForText('Chat request: Vera');
    await alice.waitUntil('alice rung again', () => alice.bells === bells.alice + 1);
    await carol.waitType('chat.requested', () => ringsFor() === rings + 1);
    await bob.waitForText('Chat request: Vera');
    t.notMatch(bob.screen(), /offers you/, 'bob\'s popup is a plain request now');
    await alice.waitForText(/WAIT +\S+ Vera/);

    // alice takes it back (from the lists: Enter in the pane would send the line) and offers it again.
    alice.write(keys.tab);
    await alice.waitForText(/Enter start {2}Esc close/);
    alice.write(keys.enter);
    await alice.waitForText(/mine Vera/);
    await bob.waitUntil('bob\'s popup to close', () => !bob.screen().includes('Chat request:'));
    await offerToBob(alice, bob);
    bells = {alice: alice.bells, bob: bob.bells};
    rings = ringsFor();
    // The offer's popup says how to decline: Esc.
    await bob.waitForText('Enter: take the chat   Esc: decline');
    bob.write(keys.esc);
    await alice.waitForText('Bob declined the chat: it waits for everyone');
    await alice.waitForText('Chat request: Vera');
    await alice.waitUntil('alice rung again', () => alice.bells === bells.alice + 1);
    await carol.waitType('chat.requested', () => ringsFor() === rings + 1);
    await bob.waitForText(/WAIT +\S+ Vera/);
    t.notMatch(bob.screen(), /Chat request:|offers you/, 'bob, who said no, is not asked again');
    t.equal(bob.bells, bells.bob, 'nor rung');
  });

  t.test('invite: Alt+I on the visitors list opens the widget; the answer makes the chat the operator\'s', async (t) => {
    const hub = await startWidgetHub({operators: OPERATORS});
    t.teardown(() => hub.close());
    const alice = await startClient(t, hub.url, 'alice', hub.tokens.alice!, WIDE);
    const page = await visitorPage(t, browser, hub);
    await alice.waitForText(/Visitors \(1\)/);
    alice.write(keys.shiftTab);
    await alice.waitForText(/Alt\+I invite/);
    alice.write(keys.alt('i'));
    await alice.waitForText(/invited visitor \S+ to chat/);
    const form = page.getByRole('form', {name: 'Start a chat'});
    await form.getByText('Alice: Hello! Can I help you with anything?').waitFor();
    t.ok(await page.getByRole('dialog').isVisible(), 'the widget opened by itself');
    alice.write(keys.alt('i'));
    await alice.waitForText('not_possible');

    await form.getByLabel('Name (optional)').fill('Vera');
    await form.getByLabel('Message').fill('Yes, a blue one');
    await form.getByRole('button', {name: 'Start chat'}).click();
    await alice.waitForText('Vera accepted: the chat is yours');
    await alice.waitForText('Vera: Yes, a blue one');
    await alice.waitForText(' 1 Vera ');
    t.notMatch(alice.screen(), /Chat request:/, 'no popup: the chat is already mine');
    alice.write('Blue it is');
    alice.write(keys.enter);
    await page.getByRole('log').getByText('Blue it is').waitFor();
    await page.getByRole('status').getByText('You are chatting with Alice').waitFor();
  });
});
