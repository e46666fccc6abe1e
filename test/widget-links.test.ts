import t from 'tap';
import type {BrowserContext, Page} from 'playwright-core';
import {askForChat, launchBrowser, noBrowser, watchedPage} from './helpers/browser.js';
import type {Peer} from './helpers/peer.js';
import {startWidgetHub, type WidgetHub} from './helpers/widget-hub.js';

const skip = noBrowser();

/** Opens the demo, asks for a chat and has alice accept it; returns the chat id. */
async function chatting(hub: WidgetHub, alice: Peer, page: Page, text: string): Promise<string> {
  await page.goto(`${hub.origin}/demo/`);
  await askForChat(page, text);
  const ring = await alice.waitType('chat.requested', (f) => f.chat.firstText === text);
  alice.send({t: 'chat.accept', chatId: ring.chat.id});
  await page.getByRole('status').getByText('You are chatting with Alice').waitFor();
  return ring.chat.id as string;
}

/** Every WebSocket frame the page receives, as text. */
function framesOf(page: Page): string[] {
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  return frames;
}

function documentsLoaded(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => r.resourceType() === 'document' && urls.push(r.url()));
  return urls;
}

t.test('pushed links', {skip}, async (t) => {
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const hub = await startWidgetHub();
  t.teardown(() => hub.close());
  const alice = await hub.connect();
  t.teardown(() => alice.close());
  const newContext = async (): Promise<BrowserContext> => {
    const context = await browser.newContext();
    t.teardown(() => context.close());
    return context;
  };

  t.test('order.htm lands the tab on the demo order page; javascript: never reaches the widget', async (t) => {
    const w = await watchedPage(await newContext());
    const frames = framesOf(w.page);
    const chatId = await chatting(hub, alice, w.page, 'links please');

    alice.send({t: 'link.send', id: alice.nextId(), chatId, url: 'javascript:alert(document.cookie)'});
    const refused = await alice.waitType('error', (f) => f.code === 'bad_link');
    t.match(refused.message, /only http and https/);

    alice.send({t: 'link.send', id: alice.nextId(), chatId, url: 'order.htm'});
    await w.page.waitForURL(`${hub.origin}/demo/order.htm`);
    t.equal(await w.page.title(), 'Teapot Shop: order');
    // The chat is still open on the new page, the link in its history.
    await w.page.getByRole('log', {name: 'Messages'}).getByRole('link', {name: `${hub.origin}/demo/order.htm`}).waitFor();
    t.notOk(frames.some((f) => f.includes('javascript:')), 'no frame carried the javascript: URL');
    t.same(w.dialogs, []);
    t.same(w.errors, []);
  });

  t.test('with two tabs, the most recently focused one follows the link', async (t) => {
    const context = await newContext();
    const a = await watchedPage(context);
    const chatId = await chatting(hub, alice, a.page, 'two tabs');
    const b = await watchedPage(context);
    const bDocs = documentsLoaded(b.page);
    await b.page.goto(`${hub.origin}/demo/product.htm`);
    // The second tab shows the same chat (same visitor, same storage).
    await b.page.getByRole('button', {name: 'Continue chat'}).click();
    await b.page.getByRole('textbox', {name: 'Your message'}).fill('from the second tab');
    await b.page.getByRole('textbox', {name: 'Your message'}).press('Enter');
    await a.page.getByRole('log').getByText('from the second tab').waitFor();
    await alice.waitType('ev', (f) => f.e.text === 'from the second tab');

    await a.page.getByRole('heading', {level: 1}).click();
    alice.send({t: 'link.send', id: alice.nextId(), chatId, url: 'order.htm'});
    await a.page.waitForURL(/order\.htm$/);
    // The first tab's new page has its widget back before the second tab is turned to: headless,
    // every page has focus, so a widget starting later would claim it over the second tab.
    await a.page.getByRole('log', {name: 'Messages'}).getByRole('link', {name: `${hub.origin}/demo/order.htm`}).waitFor();

    await b.page.getByRole('heading', {level: 1}).click();
    alice.send({t: 'link.send', id: alice.nextId(), chatId, url: 'index.html'});
    await b.page.waitForURL(/index\.html$/);
    t.match(a.page.url(), /order\.htm$/, 'the first tab stayed where it was');
    t.notOk(bDocs.some((u) => u.endsWith('order.htm')), 'the second tab did not follow the first link');
    t.equal(alice.of('ev').filter((f) => f.e.text === 'from the second tab').length, 1, 'sent once');
  });

  t.test('popped out with the opener closed, a link opens a new window', async (t) => {
    const context = await newContext();
    const w = await watchedPage(context);
    const chatId = await chatting(hub, alice, w.page, 'pop me out');
    alice.send({t: 'msg', id: alice.nextId(), chatId, text: 'Try the pop-out'});
    await w.page.getByRole('log').getByText('Try the pop-out').waitFor();
    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      w.page.getByRole('button', {name: 'Open the chat in a new window'}).click(),
    ]);
    const log = popup.getByRole('log', {name: 'Messages'});
    await log.getByText('Try the pop-out').waitFor();
    await popup.getByRole('status').getByText('You are chatting with Alice').waitFor();
    t.ok(await w.page.getByRole('dialog').isHidden(), 'the chat left the opener tab');
    await w.page.close();
    // The pop-out learns of its opener's closing from the browser a moment later; until then it
    // rightly leaves the link to that tab, which is still within its few seconds of grace.
    await popup.waitForFunction(() => !window.opener || (window.opener as Window).closed);

    const [opened] = await Promise.all([
      context.waitForEvent('page'),
      alice.send({t: 'link.send', id: alice.nextId(), chatId, url: 'product.htm'}),
    ]);
    await opened.waitForURL(`${hub.origin}/demo/product.htm`);
    t.equal(await opened.title(), 'Teapot Shop: the Brown Betty');
    t.ok(popup.url().startsWith(`${hub.origin}/demo/`), 'the pop-out keeps the chat');
    await popup.getByRole('textbox', {name: 'Your message'}).fill('Got it, thanks');
    await popup.getByRole('textbox', {name: 'Your message'}).press('Enter');
    await alice.waitType('ev', (f) => f.e.text === 'Got it, thanks');
  });
});
