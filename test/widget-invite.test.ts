import t from 'tap';
import {askForChat, launchBrowser, noBrowser, watchedPage} from './helpers/browser.js';
import {startWidgetHub} from './helpers/widget-hub.js';

const skip = noBrowser();

t.test('invitations and transfers in a real browser', {skip}, async (t) => {
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const hub = await startWidgetHub({operators: [{name: 'alice', displayName: 'Alice'}, {name: 'bob', displayName: 'Bob'}]});
  t.teardown(() => hub.close());
  const demo = `${hub.origin}/demo/`;

  /** Alice and Bob on-line, and a visitor on the demo page as alice sees it. */
  async function scene(t: {teardown(fn: () => unknown): void}) {
    const alice = await hub.connect('alice');
    t.teardown(() => alice.close());
    const bob = await hub.connect('bob');
    t.teardown(() => bob.close());
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const w = await watchedPage(context);
    await w.page.goto(demo);
    const {visitor} = await alice.waitType('visitor.update', (f) => f.visitor.page?.url === demo);
    return {alice, bob, w, visitorId: visitor.id as string};
  }

  t.test('opens the widget with the greeting; the answer starts a chat owned by the inviting operator', async (t) => {
    const {alice, bob, w, visitorId} = await scene(t);
    const visitor = {id: visitorId};
    alice.send({t: 'visitor.invite', visitorId: visitor.id, text: 'Hello! Looking for a teapot? <b>I can help.</b>'});

    const form = w.page.getByRole('form', {name: 'Start a chat'});
    await form.getByText('Alice: Hello! Looking for a teapot? <b>I can help.</b>').waitFor();
    t.ok(await w.page.getByRole('dialog').isVisible(), 'the widget opened by itself');
    await form.getByLabel('Message').fill('Yes, the Brown Betty please');
    await form.getByRole('button', {name: 'Start chat'}).click();

    const accepted = await alice.waitType('invite.result', (f) => f.visitorId === visitor.id);
    t.equal(accepted.outcome, 'accepted');
    const msg = await alice.waitType('ev', (f) => f.e.text === 'Yes, the Brown Betty please');
    t.match(await alice.waitType('chat.assigned', (f) => f.chatId === msg.chatId), {operator: 'alice'});
    // The visitor's page shows the greeting as the first line of the chat, then the answer.
    await w.page.getByRole('log').getByText('Hello! Looking for a teapot? <b>I can help.</b>').waitFor();
    await w.page.getByRole('log').getByText('Yes, the Brown Betty please').waitFor();
    alice.send({t: 'msg', id: 'invite-reply-0001', chatId: msg.chatId, text: 'It is in stock.'});
    await w.page.getByRole('log').getByText('It is in stock.').waitFor();
    t.notOk(bob.frames.some((f) => f.t === 'chat.requested'), 'nobody else was rung');
    t.same(w.errors, []);
  });

  t.test('closing the invitation tells the operator', async (t) => {
    const {alice, w, visitorId} = await scene(t);
    const visitor = {id: visitorId};
    alice.send({t: 'visitor.invite', visitorId: visitor.id});
    await w.page.getByText('Alice: Hello! Can I help you with anything?').waitFor();
    await w.page.getByRole('button', {name: 'Minimise the chat'}).click();
    t.match(await alice.waitType('invite.result', (f) => f.visitorId === visitor.id), {outcome: 'dismissed'});
    await w.page.getByRole('button', {name: 'Chat with us'}).click();
    const intro = w.page.getByRole('form', {name: 'Start a chat'}).locator('p').first();
    t.equal(await intro.textContent(), 'Ask us anything: an operator will answer here.', 'the form is back to its own words');
  });

  t.test('a transfer: the widget shows the new operator and nothing of the note', async (t) => {
    const {alice, bob, w} = await scene(t);
    await askForChat(w.page, 'Where is my order?', 'Vera');
    const {chat} = await alice.waitType('chat.requested', (f) => f.chat.firstText === 'Where is my order?');
    alice.send({t: 'chat.accept', chatId: chat.id});
    await w.page.getByRole('status').getByText('You are chatting with Alice').waitFor();
    alice.send({t: 'chat.transfer', chatId: chat.id, to: 'bob', note: 'SECRET-NOTE: order 1234 lost'});
    const offer = await bob.waitType('chat.offer', (f) => f.chat.id === chat.id);
    t.equal(offer.note, 'SECRET-NOTE: order 1234 lost');
    bob.send({t: 'chat.accept', chatId: chat.id});
    await w.page.getByRole('status').getByText('You are chatting with Bob').waitFor();
    await w.page.getByRole('log').getByText('Bob joined the chat').waitFor();
    bob.send({t: 'msg', id: 'transfer-reply-01', chatId: chat.id, text: 'Found it: it ships today.'});
    await w.page.getByRole('log').getByText('Found it: it ships today.').waitFor();
    const shown = await w.page.getByRole('dialog').innerText();
    t.match(shown, /Found it: it ships today./, 'the chat as the visitor sees it');
    t.notOk(shown.includes('SECRET-NOTE'), 'the note never reaches the page');
    t.same(w.errors, []);
  });
});
