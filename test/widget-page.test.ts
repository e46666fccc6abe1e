import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import t from 'tap';
import type {Page} from 'playwright-core';
import {askForChat, launchBrowser, noBrowser, watchedPage} from './helpers/browser.js';
import {startWidgetHub} from './helpers/widget-hub.js';
import {adminCall} from './helpers/hub.js';

const skip = noBrowser();

const hostileCss = '* { all: unset; color: red !important; font-size: 40px !important }';

const parts = ['.l', '.p', '.h', '.h h2', '.s', 'label', 'input', 'textarea', '.b'];
const props = [
  'color',
  'font-size',
  'font-family',
  'font-weight',
  'line-height',
  'background-color',
  'padding-top',
  'padding-left',
  'border-top-width',
  'display',
  'position',
  'width',
  'height',
];

/** Computed styles of the widget's parts, with the panel open. */
function widgetStyles(page: Page): Promise<Record<string, Record<string, string>>> {
  return page.evaluate(
    ([parts, props]) => {
      const root = document.querySelector('cac-widget')!.shadowRoot!;
      const out: Record<string, Record<string, string>> = {};
      for (const sel of parts) {
        const style = getComputedStyle(root.querySelector(sel)!);
        out[sel] = Object.fromEntries(props.map((p) => [p, style.getPropertyValue(p)]));
      }
      return out;
    },
    [parts, props] as const,
  );
}

t.test('the widget on the host page', {skip}, async (t) => {
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const hub = await startWidgetHub();
  t.teardown(() => hub.close());
  const alice = await hub.connect();
  t.teardown(() => alice.close());

  t.test("the host page's CSS does not change the widget", async (t) => {
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const {page, errors} = await watchedPage(context);
    // The host page comes from its own little server, as a real site's would; its host name is
    // the site's, so the widget may connect from it.
    const site = createServer((_req, res) => {
      res.writeHead(200, {'content-type': 'text/html'});
      // In <head> and not async: the widget must wait for <body> by itself.
      res.end(`<!doctype html><html><head><link rel="icon" href="data:,"><title>Hostile</title><style>${hostileCss}</style>
<script src="${hub.origin}/widget.js" data-site="localhost"></script></head><body><h1>Hostile page</h1></body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => site.close(() => resolve())));
    const hostileUrl = `http://localhost:${(site.address() as AddressInfo).port}/`;
    // A site on another port is another origin: the site owner lists it.
    await adminCall(hub, 'sites.set', {domain: 'localhost', origins: [hub.origin, new URL(hostileUrl).origin]});
    t.teardown(() => adminCall(hub, 'sites.set', {domain: 'localhost', origins: null}));
    await page.goto(`${hub.origin}/demo/`);
    await page.getByRole('button', {name: 'Chat with us'}).click();
    const plain = await widgetStyles(page);
    await page.evaluate(() => sessionStorage.clear());

    await page.goto(hostileUrl);
    t.equal(await page.locator('h1').evaluate((h) => getComputedStyle(h).fontSize), '40px', 'the hostile CSS is in force');
    await page.getByRole('button', {name: 'Chat with us'}).click();
    // Connected, so the form shows as it did on the demo page.
    await alice.waitType('visitor.update', (f) => f.visitor.page?.url === hostileUrl);
    const hostile = await widgetStyles(page);
    t.same(hostile, plain, 'same computed styles');
    t.equal(plain['.l']!.position, 'fixed');
    t.not(plain['.l']!.color, 'rgb(255, 0, 0)');
    // The widget's own reset must not strip its fields either.
    t.equal(plain.input!['border-top-width'], '1px', 'fields have a border');
    t.equal(plain.textarea!.height, '72px');
    t.same(errors, []);
  });

  t.test('no layout shift before the visitor opens it, no console errors', async (t) => {
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const {page, errors} = await watchedPage(context);
    await page.addInitScript(() => {
      (window as unknown as {shifts: number}).shifts = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) (window as unknown as {shifts: number}).shifts += (e as unknown as {value: number}).value;
      }).observe({type: 'layout-shift', buffered: true});
    });
    await page.goto(`${hub.origin}/demo/product.htm`);
    await page.getByRole('button', {name: 'Chat with us'}).waitFor();
    const box = await page.locator('cac-widget').boundingBox();
    t.same([box?.width, box?.height], [0, 0], 'the widget host takes no room in the page');
    t.equal(await page.evaluate(() => (window as unknown as {shifts: number}).shifts), 0, 'no layout shift');
    t.same(errors, []);
    const withWidget = await page.evaluate(() => Object.keys(window));
    await page.route(`${hub.origin}/widget.js`, (route) => route.abort());
    await page.reload();
    const without = new Set(await page.evaluate(() => Object.keys(window)));
    t.same(withWidget.filter((k) => !without.has(k)), ['cac'], 'one global');
  });

  t.test('keyboard, focus, roles and labels at 360 px wide; the cac global', async (t) => {
    const context = await browser.newContext({viewport: {width: 360, height: 640}});
    t.teardown(() => context.close());
    const {page, errors} = await watchedPage(context);
    await page.goto(`${hub.origin}/demo/`);
    await page.evaluate(() => window.cac!.identify({name: 'Kim', email: 'kim@example.com'}));
    const launcher = page.getByRole('button', {name: 'Chat with us'});
    await launcher.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', {name: 'Chat'});
    await dialog.waitFor();
    const box = (await dialog.boundingBox())!;
    t.ok(box.x >= 0 && box.x + box.width <= 360, `the panel fits 360 px (${box.x}+${box.width})`);
    const form = page.getByRole('form', {name: 'Start a chat'});
    t.equal(await form.getByLabel('Name (optional)').inputValue(), 'Kim', 'identify() fills the form');
    const focused = () => page.evaluate(() => document.querySelector('cac-widget')!.shadowRoot!.activeElement?.closest('label')?.textContent ?? '');
    t.match(await focused(), /^Message/, 'focus moves to the message field');
    await page.keyboard.type('Typed with the keyboard only');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const ring = await alice.waitType('chat.requested', (f) => f.chat.firstText === 'Typed with the keyboard only');
    t.equal(ring.chat.visitorName, 'Kim');
    alice.send({t: 'chat.accept', chatId: ring.chat.id});
    alice.send({t: 'msg', id: alice.nextId(), chatId: ring.chat.id, text: 'Hello Kim'});
    const log = page.getByRole('log', {name: 'Messages'});
    await log.getByText('Hello Kim').waitFor();
    t.equal(await log.getAttribute('role'), 'log', 'new messages are announced (role=log is a polite live region)');
    t.equal(
      await page.evaluate(() => document.querySelector('cac-widget')!.shadowRoot!.activeElement?.getAttribute('aria-label')),
      'Your message',
      'focus is in the message box once chatting',
    );
    await page.keyboard.press('Escape');
    await dialog.waitFor({state: 'hidden'});
    t.equal(await page.getByRole('button', {name: 'Continue chat'}).getAttribute('aria-expanded'), 'false');
    t.equal(
      await page.evaluate(() => document.querySelector('cac-widget')!.shadowRoot!.activeElement?.className),
      'l',
      'focus goes back to the launcher',
    );
    alice.send({t: 'msg', id: alice.nextId(), chatId: ring.chat.id, text: 'Still there?'});
    await page.getByRole('button', {name: 'New message'}).waitFor();
    await page.evaluate(() => window.cac!.open());
    await log.getByText('Still there?').waitFor();
    await page.getByRole('button', {name: 'Continue chat', expanded: true}).waitFor();

    alice.send({t: 'chat.end', chatId: ring.chat.id});
    await page.getByText('The operator has ended the chat.').waitFor();
    await page.getByRole('button', {name: 'Start a new chat'}).waitFor();
    t.same(errors, []);
  });

  t.test('without localStorage the visitor is kept in a cookie', async (t) => {
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const {page, errors} = await watchedPage(context);
    await page.addInitScript(() => {
      Object.defineProperty(window, 'localStorage', {
        get() {
          throw new DOMException('storage is disabled', 'SecurityError');
        },
      });
    });
    const from = alice.frames.length;
    await page.goto(`${hub.origin}/demo/`);
    const first = await alice.waitType('visitor.update', (f) => f.visitor.page?.url === `${hub.origin}/demo/`, from);
    await page.getByRole('link', {name: 'See our teapots'}).click();
    const second = await alice.waitType('visitor.update', (f) => f.visitor.page?.url === `${hub.origin}/demo/product.htm`, from);
    t.equal(second.visitor.id, first.visitor.id, 'the same visitor on the next page');
    t.equal(second.visitor.pages, 2);
    t.match((await context.cookies()).map((c) => c.name), ['cac.me'], 'kept in a cookie');
    t.same(errors, []);
  });

  t.test('a site with previews off gets typing signals without the text', async (t) => {
    // As `cac sites set localhost --no-preview` does it: through the hub's admin API.
    await adminCall(hub, 'sites.set', {domain: 'localhost', preview: false});
    t.equal(hub.hub.sessions.findSite('localhost')?.preview, false);
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const {page} = await watchedPage(context);
    const sent: string[] = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
    await page.goto(`${hub.origin}/demo/`);
    await askForChat(page, 'private please');
    const ring = await alice.waitType('chat.requested', (f) => f.chat.firstText === 'private please');
    alice.send({t: 'chat.accept', chatId: ring.chat.id});
    await page.getByRole('status').getByText('You are chatting with Alice').waitFor();
    await page.getByRole('textbox', {name: 'Your message'}).pressSequentially('my secret');
    const typing = await alice.waitType('typing', (f) => f.chatId === ring.chat.id && f.typing === true);
    t.equal(typing.preview, undefined);
    t.notOk(sent.some((f) => f.includes('my secret')), 'the unsent text never left the page');
    t.ok(sent.some((f) => f.includes('"typing":true')), 'the typing signal was sent');
  });
});
