import t from 'tap';
import {startTestHub} from './helpers/hub.js';
import {keys, startClient} from './helpers/tui.js';

t.test('the visit shows in the pane by itself; Alt+D opens every page viewed', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await startClient(t, hub.url, 'alice', hub.tokens.alice!, {cols: 140, rows: 36});
  const visitor = await hub.visitor({
    hello: {page: {url: 'https://example.com/', title: 'Home', referrer: 'https://search.example/?q=kettles'}},
  });
  visitor.send({t: 'page', url: 'https://example.com/kettles', title: 'Kettles'});
  visitor.send({t: 'page', url: 'https://example.com/kettles/blue', title: 'Blue kettle \x1b]0;pwned\x07'});
  visitor.send({t: 'chat.request', id: visitor.nextId(), name: 'Vera', text: 'Is the blue kettle in stock?'});
  await alice.waitForText('Chat request: Vera');
  alice.write(keys.enter);
  await alice.waitForText('alice joined the chat');
  // Displayed automatically: browser, address, referrer, pages, current page.
  await alice.waitForText('now: Blue kettle ␛]0;pwned␇ · 3 pages · from search.example · Chrome 120 on Linux · local netw');

  alice.write('\x1bd');
  await alice.waitForText('Pages viewed (3):');
  const screen = alice.screen();
  t.match(screen, /Referrer: https:\/\/search\.example\/\?q=kettles/);
  t.match(screen, /\d\d:\d\d Home {2}https:\/\/example\.com\//);
  t.match(screen, /\d\d:\d\d Kettles {2}https:\/\/example\.com\/kettles/);
  t.match(screen, /Blue kettle ␛\]0;pwned␇/, 'a hostile title is shown as harmless text');
  t.same(alice.titles, [], 'and does not retitle the terminal');

  // Refresh: a page viewed since shows the next time the details are opened.
  visitor.send({t: 'page', url: 'https://example.com/order', title: 'Order'});
  alice.write('\x1bd');
  await alice.waitUntil('the details to close', () => !alice.screen().includes('Pages viewed'));
  alice.write('\x1bd');
  await alice.waitForText('Pages viewed (4):');
  await alice.waitForText('Order  https://example.com/order');
});
