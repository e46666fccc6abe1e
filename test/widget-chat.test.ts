import t from 'tap';
import {get, type IncomingMessage} from 'node:http';
import {askForChat, chatTexts as texts, launchBrowser, noBrowser, watchedPage} from './helpers/browser.js';
import {startWidgetHub} from './helpers/widget-hub.js';

const skip = noBrowser();

t.test('the widget in a real browser against a real hub', {skip}, async (t) => {
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const hub = await startWidgetHub({
    operators: [
      {name: 'alice', displayName: 'Alice'},
      {name: 'mallory', displayName: '<img src=x onerror=alert(1)>'},
    ],
  });
  t.teardown(() => hub.close());
  const demo = `${hub.origin}/demo/`;

  t.test('page views reach the operator with browser, referrer and pages in order', async (t) => {
    const alice = await hub.connect();
    t.teardown(() => alice.close());
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const w = await watchedPage(context);
    await w.page.goto(demo, {referer: 'http://search.example/?q=teapots'});
    const first = await alice.waitType('visitor.update', (f) => f.visitor.page?.url === demo);
    const visitorId = first.visitor.id as string;
    t.match(first.visitor.browser, /chrom/i, 'the browser is named');
    t.match(first.visitor.referrer, /^http:\/\/search\.example\//, 'the referrer of the first page');

    await w.page.getByRole('link', {name: 'See our teapots'}).click();
    await alice.waitType('visitor.update', (f) => f.visitor.id === visitorId && f.visitor.pages === 2);
    // A history-API navigation is a page view too.
    await w.page.evaluate(() => history.pushState({}, '', '/demo/product.htm?colour=blue'));
    await alice.waitType('visitor.update', (f) => f.visitor.id === visitorId && f.visitor.pages === 3);

    alice.send({t: 'visitor.details', visitorId});
    const details = await alice.waitType('visitor.details');
    t.same(
      details.visit.pages.map((p: {url: string}) => p.url),
      [demo, `${hub.origin}/demo/product.htm`, `${hub.origin}/demo/product.htm?colour=blue`],
      'pages in the order visited',
    );
    t.same(details.visit.pages[1].title, 'Teapot Shop: the Brown Betty');
    t.same(w.errors, [], 'no console errors on the host page');
  });

  t.test('request, accept, replies both ways, navigate mid-chat, leave', async (t) => {
    const alice = await hub.connect();
    t.teardown(() => alice.close());
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const w = await watchedPage(context);
    const page = w.page;
    await page.goto(demo);
    await askForChat(page, 'Is the Brown Betty in stock?', 'Vera');
    await page.getByRole('status').getByText('Waiting for an operator').waitFor();

    const ring = await alice.waitType('chat.requested');
    const chatId = ring.chat.id as string;
    t.equal(ring.chat.visitorName, 'Vera');
    t.equal(ring.chat.firstText, 'Is the Brown Betty in stock?');
    alice.send({t: 'chat.accept', chatId});
    await page.getByRole('status').getByText('You are chatting with Alice').waitFor();

    alice.send({t: 'typing', chatId, typing: true});
    await page.getByRole('status').getByText('Alice is typing').waitFor();
    alice.send({t: 'msg', id: alice.nextId(), chatId, text: 'Yes, six left.'});
    const log = page.getByRole('log', {name: 'Messages'});
    await log.getByText('Yes, six left.').waitFor();

    const input = page.getByRole('textbox', {name: 'Your message'});
    await input.fill('Great, I will order one');
    // The site allows previews: the operator sees what is being typed before it is sent.
    await alice.waitType('typing', (f) => f.chatId === chatId && f.preview === 'Great, I will order one');
    await input.press('Enter');
    await alice.waitType('ev', (f) => f.e.text === 'Great, I will order one' && f.e.from === 'visitor');

    // Another page: the chat comes back open, with its whole history once.
    await page.getByRole('navigation').getByRole('link', {name: 'Teapots'}).click();
    await page.waitForURL(/product\.htm$/);
    await log.getByText('Great, I will order one').waitFor();
    t.same(await texts(page), [
      'Is the Brown Betty in stock?',
      'Alice joined the chat',
      'Yes, six left.',
      'Great, I will order one',
    ]);
    alice.send({t: 'msg', id: alice.nextId(), chatId, text: 'Here is the order page when you are ready.'});
    await log.getByText('Here is the order page').waitFor();
    await input.fill('Thanks!');
    await page.getByRole('button', {name: 'Send'}).click();
    await alice.waitType('ev', (f) => f.e.text === 'Thanks!');
    t.equal(alice.of('ev').filter((f) => f.e.text === 'Great, I will order one').length, 1, 'nothing doubled');
    t.equal((await texts(page)).length, 6, 'nothing doubled on the page');

    await page.getByRole('button', {name: 'End chat'}).click();
    const left = await alice.waitType('ev', (f) => f.chatId === chatId && f.e.kind === 'left');
    t.equal(left.e.text, 'Visitor has left the conversation');
    await page.getByText('You have left the chat.').first().waitFor();
    await page.getByRole('button', {name: 'Start a new chat'}).click();
    await page.getByRole('form', {name: 'Start a chat'}).waitFor();
    t.same(w.errors, []);
    t.same(w.dialogs, []);
  });

  t.test('markup in names and messages from either side renders as text', async (t) => {
    const mallory = await hub.connect('mallory');
    t.teardown(() => mallory.close());
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const w = await watchedPage(context);
    const page = w.page;
    await page.goto(demo);
    await askForChat(page, '<img src=x onerror=alert(3)>', '<script>alert(2)</script>');
    const ring = await mallory.waitType('chat.requested');
    const chatId = ring.chat.id as string;
    t.equal(ring.chat.visitorName, '<script>alert(2)</script>', 'the operator gets the name as typed');
    mallory.send({t: 'chat.accept', chatId});
    mallory.send({t: 'msg', id: mallory.nextId(), chatId, text: '<script>alert(4)</script><img src=x onerror=alert(5)>'});
    const log = page.getByRole('log', {name: 'Messages'});
    await log.getByText('<script>alert(4)</script><img src=x onerror=alert(5)>').waitFor();
    const input = page.getByRole('textbox', {name: 'Your message'});
    await input.fill('<b onmouseover=alert(6)>hi</b><script>alert(7)</script>');
    await input.press('Enter');
    await mallory.waitType('ev', (f) => f.e.from === 'visitor' && f.e.text.startsWith('<b onmouseover'));
    await page.getByRole('status').getByText('You are chatting with <img src=x onerror=alert(1)>').waitFor();
    t.same(await texts(page), [
      '<img src=x onerror=alert(3)>',
      '<img src=x onerror=alert(1)> joined the chat',
      '<script>alert(4)</script><img src=x onerror=alert(5)>',
      '<b onmouseover=alert(6)>hi</b><script>alert(7)</script>',
    ]);
    const created = await page.evaluate(() => ({
      inWidget: document.querySelector('cac-widget')!.shadowRoot!.querySelectorAll('img, script, iframe, [onerror], [onmouseover]').length,
      inPage: document.querySelectorAll('img, [onerror], [onmouseover]').length,
    }));
    t.same(created, {inWidget: 0, inPage: 0}, 'no element created from the text');
    t.same(w.dialogs, [], 'no dialog opened');
    t.same(w.errors, []);
  });

  t.test('an event that reaches the page after a later one is shown in its place, by seq', async (t) => {
    const alice = await hub.connect();
    t.teardown(() => alice.close());
    const context = await browser.newContext();
    t.teardown(() => context.close());
    // "first" is held back until "second" is through, as when two hubs each send what they stored.
    await context.routeWebSocket(/\/ws\/visitor/, (ws) => {
      const server = ws.connectToServer();
      let held: string | undefined;
      server.onMessage((message) => {
        const text = (JSON.parse(String(message)) as {e?: {text?: string}}).e?.text;
        if (text === 'first') return void (held = String(message));
        ws.send(message);
        if (text === 'second' && held) ws.send(held);
      });
    });
    const {page} = await watchedPage(context);
    await page.goto(demo);
    await askForChat(page, 'In order, please');
    const {chat} = await alice.waitType('chat.requested', (f) => f.chat.firstText === 'In order, please');
    alice.send({t: 'chat.accept', chatId: chat.id});
    for (const text of ['first', 'second']) alice.send({t: 'msg', id: alice.nextId(), chatId: chat.id, text});
    await page.getByRole('log', {name: 'Messages'}).getByText('first').waitFor();
    t.same(await texts(page), ['In order, please', 'Alice joined the chat', 'first', 'second']);
  });

  t.test('a message the hub refuses goes back in the box, and Enter sends it again', async (t) => {
    const alice = await hub.connect();
    t.teardown(() => alice.close());
    const context = await browser.newContext();
    t.teardown(() => context.close());
    // The first copy of "refuse me" is answered as a hub that could not store it would.
    let refused = 0;
    await context.routeWebSocket(/\/ws\/visitor/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        const frame = JSON.parse(String(message)) as {t: string; id?: string; text?: string};
        if (frame.t === 'msg' && frame.text === 'refuse me' && refused++ === 0) {
          return void ws.send(JSON.stringify({t: 'error', code: 'not_stored', message: 'the hub could not store that; send it again', ref: frame.id}));
        }
        server.send(message);
      });
    });
    const {page} = await watchedPage(context);
    await page.goto(demo);
    await askForChat(page, 'Refusals, please');
    const {chat} = await alice.waitType('chat.requested', (f) => f.chat.firstText === 'Refusals, please');
    alice.send({t: 'chat.accept', chatId: chat.id});
    await page.getByRole('log', {name: 'Messages'}).getByText('joined the chat').waitFor();
    const input = page.getByRole('textbox', {name: 'Your message'});
    await input.fill('refuse me');
    await input.press('Enter');
    await page.getByText('the hub could not store that; send it again').waitFor();
    t.equal(await input.inputValue(), 'refuse me', 'what was typed is back in the box');
    t.same(await texts(page), ['Refusals, please', 'Alice joined the chat'], 'and no longer shown as on its way');
    await input.press('Enter');
    const got = await alice.waitFor((f) => f.t === 'ev' && f.chatId === chat.id && f.e.text === 'refuse me');
    t.same([refused, got.e.from], [2, 'visitor'], 'sent again with one key, and stored');
  });

  t.test('the widget script is small and served compressed with an ETag', async (t) => {
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      get(`${hub.url}/widget.js`, {headers: {'accept-encoding': 'gzip'}}, resolve).on('error', reject),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const size = Buffer.concat(chunks).length;
    t.equal(res.headers['content-encoding'], 'gzip');
    t.ok(res.headers.etag, 'has an ETag');
    t.ok(size <= 15 * 1024, `gzipped widget is ${size} bytes (budget 15 KB)`);
    t.comment(`widget.js gzipped: ${size} bytes`);
  });
});
