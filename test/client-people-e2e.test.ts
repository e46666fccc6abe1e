import t from 'tap';
import type {Browser} from 'playwright-core';
import {askForChat, launchBrowser, noBrowser} from './helpers/browser.js';
import {adminCall} from './helpers/hub.js';
import {until} from './helpers/manual-timers.js';
import {forwardingProxy} from './helpers/proxy.js';
import {keys, startClient} from './helpers/tui.js';
import {startWidgetHub} from './helpers/widget-hub.js';

const WIDE = {cols: 140, rows: 36};
const skip = noBrowser();

/** A visitor of its own: a fresh browser profile, closed when the test ends. */
async function visitorPage(t: {teardown(fn: () => unknown): void}, browser: Browser) {
  const context = await browser.newContext();
  t.teardown(() => context.close());
  return context.newPage();
}

t.test('what the operator sees of a visitor browsing in Chromium', {skip}, async (t) => {
  const browser = await launchBrowser();
  t.teardown(() => browser.close());

  for (const trustProxy of [true, false]) {
    const name = trustProxy
      ? 'location: behind a trusted proxy, the country from X-Forwarded-For in the list and the details'
      : 'location: a hub that does not trust a proxy ignores X-Forwarded-For';
    t.test(name, async (t) => {
      const hub = await startWidgetHub({trustProxy});
      t.teardown(() => hub.close());
      await until(() => hub.hub.locate('8.8.8.8') !== undefined);
      // The visitor reaches the hub through a reverse proxy that sets the header on the page and
      // the WebSocket upgrade alike, as nginx does.
      const proxy = await forwardingProxy(hub.port, '8.8.8.8');
      t.teardown(() => proxy.close());
      // The page's origin is the proxy's, as a site's public address would be: the site lists it.
      await adminCall(hub, 'sites.set', {domain: 'localhost', origins: [`http://localhost:${proxy.port}`]});
      const alice = await startClient(t, hub.url, 'alice', hub.tokens.alice!, WIDE);
      const page = await visitorPage(t, browser);
      await page.goto(`http://localhost:${proxy.port}/demo/`);
      const country = trustProxy ? 'United States' : 'local network';
      await alice.waitForText(new RegExp(`\\d+s \\S+ /demo/ · ${country}`));
      t.ok(proxy.forwarded.upgrades > 0, 'the WebSocket came through the proxy, with the header');
      if (!trustProxy) {
        t.notMatch(alice.screen(), /United States/, 'the header is not believed');
        return;
      }
      await askForChat(page, 'hello', 'Vera');
      await alice.waitForText('Chat request: Vera');
      alice.write(keys.enter);
      await alice.waitForText('Alice joined the chat');
      await alice.waitForText(/now: Teapot Shop: home · 1 page · came directly · Chrome \d+ on Linux · United States/);
      alice.write(keys.alt('d'));
      await alice.waitForText('Location: United States   Address: 8.8.8.8');
    });
  }

  t.test('previous visits: the same browser back after the visit timeout shows two visits with their pages', async (t) => {
    // The hub's clock starts 31 minutes back and is moved to now between the visits: more than
    // the 30 minutes without activity after which a page view starts a new visit.
    let offset = -31 * 60_000;
    const hub = await startWidgetHub({now: () => Date.now() + offset});
    t.teardown(() => hub.close());
    const alice = await startClient(t, hub.url, 'alice', hub.tokens.alice!, WIDE);
    const page = await visitorPage(t, browser);
    await page.goto(`${hub.origin}/demo/`);
    await alice.waitForText(/ \/demo\/ · local network/);
    await page.getByRole('link', {name: 'See our teapots'}).click();
    await alice.waitForText('/demo/product.htm');
    offset = 0;
    await page.getByRole('link', {name: 'Order', exact: true}).click();
    await alice.waitForText('/demo/order.htm');
    t.match(alice.screen(), /Visitors \(1\)/, 'one visitor all along');
    alice.write(keys.shiftTab);
    await alice.waitForText(/Alt\+V visits/);
    alice.write(keys.alt('v'));
    await alice.waitForText(/Visits of visitor \S+ \(2\), newest first/);
    await alice.waitForText('Teapot Shop: home');
    const screen = alice.screen();
    const at = (title: string, path: string) => screen.indexOf(`${title}  ${hub.origin}${path}`);
    const [order, product, home] = [at('Teapot Shop: order', '/demo/order.htm'), at('Teapot Shop: the Brown Betty', '/demo/product.htm'), at('Teapot Shop: home', '/demo/')];
    t.ok(order > 0 && product > order && home > order, 'the newest visit first, then the one before with its pages');
    const heads = [...screen.matchAll(/ · \d+[sm] · (\d+) pages? · came directly · local network/g)].map((m) => m[1]);
    t.same(heads, ['1', '2'], 'a line about each visit: one page, then two');
    alice.write(keys.esc);
    await alice.waitUntil('the visits to close', () => !alice.screen().includes('Visits of'));
  });

  t.test('history: no key for a first-time visitor; after their chat ended it opens that chat read-only', async (t) => {
    const hub = await startWidgetHub();
    t.teardown(() => hub.close());
    const alice = await startClient(t, hub.url, 'alice', hub.tokens.alice!, WIDE);
    const page = await visitorPage(t, browser);
    await page.goto(`${hub.origin}/demo/`);
    await askForChat(page, 'Is the blue kettle in stock?', 'Vera');
    await alice.waitForText('Chat request: Vera');
    alice.write(keys.enter);
    await alice.waitForText('Alice joined the chat');
    alice.write(keys.tab);
    await alice.waitForText(/Alt\+V visits/);
    t.notMatch(alice.screen(), /Alt\+H/, 'a first-time visitor: no history key');
    alice.write(keys.f1);
    await alice.waitForText('Help: keys');
    t.notMatch(alice.screen(), /Alt\+H/, 'nor in the help');
    alice.write(keys.esc);
    await alice.waitUntil('the help to close', () => !alice.screen().includes('Help: keys'));

    alice.write(keys.alt('1'));
    alice.write(keys.alt('x'));
    await alice.waitForText('ended');
    await page.getByRole('log').getByText('The operator has ended the chat').waitFor();
    alice.write(keys.alt('w'));
    await alice.waitForText('no chats open');
    await page.getByRole('link', {name: 'See our teapots'}).click();
    await alice.waitForText('/demo/product.htm');
    alice.write(keys.shiftTab);
    await alice.waitForText(/Alt\+H history/);
    alice.write(keys.alt('h'));
    await alice.waitForText(/Earlier chats of Vera/);
    await alice.waitForText(/\d+ \w+ \d\d:\d\d {2}alice {2}Is the blue kettle in stock\?/);
    alice.write(keys.enter);
    await alice.waitForText('Vera: Is the blue kettle in stock?');
    await alice.waitForText(/ 1 \d+ \w+ Alice /);
    alice.write('x');
    await alice.waitForText('an earlier chat is read-only');
    t.notMatch(alice.screen(), /> x/, 'nothing typed');
  });
});
