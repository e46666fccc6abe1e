import t from 'tap';
import {askForChat, launchBrowser, noBrowser, watchedPage} from './helpers/browser.js';
import {startWidgetHub} from './helpers/widget-hub.js';

const skip = noBrowser();

t.test('blocked visitors and nobody on-line', {skip}, async (t) => {
  const browser = await launchBrowser();
  t.teardown(() => browser.close());

  t.test('block: chat closed, reload and new requests refused, allowed again after midnight', async (t) => {
    let clock = Date.now();
    const hub = await startWidgetHub({now: () => clock});
    t.teardown(() => hub.close());
    const alice = await hub.connect();
    t.teardown(() => alice.close());
    const demo = `${hub.origin}/demo/`;

    const context = await browser.newContext();
    t.teardown(() => context.close());
    const {page, dialogs, errors} = await watchedPage(context);
    // A second visitor from the same address, whose page loaded before the block.
    const other = await (await browser.newContext()).newPage();
    t.teardown(() => other.context().close());
    await other.goto(demo);
    await other.getByRole('button', {name: 'Chat with us'}).waitFor();

    await page.goto(demo);
    await askForChat(page, 'you are all useless');
    const {chat} = await alice.waitType('chat.requested');
    alice.send({t: 'chat.accept', chatId: chat.id});
    await page.getByRole('status').getByText('You are chatting with Alice').waitFor();
    alice.send({t: 'chat.block', chatId: chat.id});

    await page.getByText('This chat has been closed.').waitFor();
    t.ok(await page.getByRole('textbox', {name: 'Your message'}).isHidden(), 'nothing more can be typed');
    await page.getByRole('button', {name: 'Chat unavailable'}).waitFor();

    await page.reload();
    // The panel was open, so it opens again by itself on the reloaded page.
    await page.getByRole('button', {name: 'Chat unavailable', expanded: true}).waitFor();
    await page.getByText('Chat is not available right now').waitFor();
    t.equal(await page.getByRole('form', {name: 'Start a chat'}).count(), 0, 'no request form while blocked');

    // The hub refuses a request sent from a page that did not know of the block.
    await askForChat(other, 'me too');
    await other.getByText('Chat is not available right now').waitFor();
    await other.getByRole('button', {name: 'Chat unavailable'}).waitFor();
    t.equal(alice.of('chat.requested').length, 1, 'nobody was rung');

    // The next day on the site's clock, the same visitor may chat again.
    clock += 25 * 3600_000;
    await page.reload();
    await page.getByRole('button', {name: 'Chat with us', expanded: true}).waitFor();
    await page.getByRole('form', {name: 'Start a chat'}).getByLabel('Message').fill('sorry about yesterday');
    await page.getByRole('button', {name: 'Start chat'}).click();
    const again = await alice.waitType('chat.requested', (f) => f.chat.firstText === 'sorry about yesterday');
    t.equal(again.chat.visitorId, chat.visitorId, 'the same visitor');
    await page.getByRole('status').getByText('Waiting for an operator').waitFor();
    t.same(dialogs, []);
    t.same(errors, []);
  });

  t.test('nobody on-line: the visitor leaves a message that the hub stores', async (t) => {
    const hub = await startWidgetHub();
    t.teardown(() => hub.close());
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const {page, errors} = await watchedPage(context);
    await page.goto(`${hub.origin}/demo/`);
    await page.getByRole('button', {name: 'Leave a message'}).click();
    const form = page.getByRole('form', {name: 'Leave a message'});
    await form.getByLabel('Name (optional)').fill('Olga');
    await form.getByLabel('E-mail (optional)').fill('olga@example.com');
    await form.getByLabel('Message').fill('Do you ship to Norway?');
    await form.getByRole('button', {name: 'Send message'}).click();
    await page.getByText('your message has been sent').waitFor();

    const db = await hub.hub.store.global('messages');
    t.match(db.messages, [{name: 'Olga', email: 'olga@example.com', text: 'Do you ship to Norway?', site: 'localhost'}]);
    const alice = await hub.connect();
    t.teardown(() => alice.close());
    t.match(alice.of('ready')[0]!.messages, [{text: 'Do you ship to Norway?'}], 'operators see it when they come on-line');
    t.same(errors, []);
  });

  t.test('operators going away and coming back switch the open panel between the two forms', async (t) => {
    const hub = await startWidgetHub();
    t.teardown(() => hub.close());
    const alice = await hub.connect();
    t.teardown(() => alice.close());
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const {page, errors} = await watchedPage(context);
    await page.goto(`${hub.origin}/demo/`);
    await page.getByRole('button', {name: 'Chat with us'}).click();
    await page.getByRole('form', {name: 'Start a chat'}).getByLabel('Message').fill('Is anyone there?');
    alice.send({t: 'status', status: 'away'});
    const form = page.getByRole('form', {name: 'Leave a message'});
    await form.waitFor();
    t.equal(await form.getByLabel('Message').inputValue(), 'Is anyone there?', 'what was typed follows');
    alice.send({t: 'status', status: 'online'});
    const chatForm = page.getByRole('form', {name: 'Start a chat'});
    await chatForm.waitFor();
    alice.send({t: 'status', status: 'away'});
    await form.waitFor();
    await form.getByLabel('E-mail (optional)').fill('ida@example.com');
    await form.getByRole('button', {name: 'Send message'}).click();
    const stored = await alice.waitType('offline.message');
    t.match(stored.message, {text: 'Is anyone there?', email: 'ida@example.com'});
    await page.getByText('your message has been sent').waitFor();
    t.equal(alice.of('chat.requested').length, 0, 'nobody was rung');
    t.same(errors, []);
  });
});
