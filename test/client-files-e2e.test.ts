import {mkdtemp, readFile, readdir, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {simpleParser} from 'mailparser';
import type {Browser, Page} from 'playwright-core';
import {askForChat, launchBrowser, noBrowser} from './helpers/browser.js';
import {startTestHub} from './helpers/hub.js';
import {freePort, hubProcess} from './helpers/spawn.js';
import {keys, startClient} from './helpers/tui.js';
import {seedWidgetData} from './helpers/widget-hub.js';

/** A visitor of its own in Chromium (a fresh profile) on the demo page, asking for a chat. */
async function visitorAsking(t: {teardown(fn: () => unknown): void}, browser: Browser, demo: string, name: string, text: string): Promise<Page> {
  const context = await browser.newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.goto(demo);
  await askForChat(page, text, name);
  return page;
}

const ctrlU = '\x15';

t.test('canned: added from the line, kept over a hub restart, found, inserted, edited, sent to the visitor\'s page; #shortcut Tab', {skip: noBrowser()}, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-canned-'));
  t.teardown(() => rm(dir, {recursive: true, force: true, maxRetries: 3}));
  const port = await freePort();
  const tokens = await seedWidgetData(dir, port, [{name: 'alice'}, {name: 'bob'}]);
  const base = `http://127.0.0.1:${port}`;
  const demo = `http://localhost:${port}/demo/`;
  const hubs = hubProcess(t, dir, port);
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const first = await hubs.start();
  const alice = await startClient(t, base, 'alice', tokens.alice!, {cols: 120});
  await visitorAsking(t, browser, demo, 'Vera', 'When do kettles ship?');
  await alice.waitForText('Chat request: Vera');
  alice.write(keys.enter);
  await alice.waitForText('alice joined the chat');

  // A personal response from the message line.
  alice.write('Our kettles ship within 2 days');
  await alice.waitForText('> Our kettles ship within 2 days');
  alice.write(keys.alt('r'));
  await alice.waitForText('Canned responses');
  alice.write(keys.up);
  alice.write(keys.enter);
  await alice.waitForText('Shortcut for it');
  alice.write('ship');
  alice.write(keys.enter);
  await alice.waitForText('team or only you');
  alice.write(keys.enter);
  await alice.waitForText('added #ship for you');
  // And one for the team.
  alice.write(ctrlU);
  await alice.waitUntil('the line to clear', () => !alice.screen().includes('> Our kettles'));
  alice.write('Welcome to our shop');
  await alice.waitForText('> Welcome to our shop');
  alice.write(keys.alt('r'));
  await alice.waitForText('#ship (mine)');
  alice.write(keys.up);
  alice.write(keys.up);
  alice.write(keys.enter);
  await alice.waitForText('Shortcut for it');
  alice.write('welcome');
  alice.write(keys.enter);
  await alice.waitForText('team or only you');
  alice.write('team');
  alice.write(keys.enter);
  await alice.waitForText('added #welcome for the team');

  first.child.kill('SIGKILL');
  await first.exited;
  await alice.waitForText('○ disconnected');
  await hubs.start();
  await alice.waitForText('● connected', 30);

  const walt = await visitorAsking(t, browser, demo, 'Walt', 'shipping?');
  await alice.waitForText('Chat request: Walt');
  alice.write(ctrlU);
  await alice.waitUntil('the line to clear', () => !alice.screen().includes('> Welcome'));
  alice.write(keys.enter);
  await alice.waitForText('Walt: shipping?');
  await walt.getByRole('log').getByText('alice joined the chat').waitFor();
  alice.write(keys.alt('r'));
  await alice.waitForText('Canned responses');
  alice.write('2 DAYS');
  await alice.waitUntil('the filter to leave one response', () => alice.screen().includes('#ship (mine)') && !alice.screen().includes('#welcome  Welcome'));
  alice.write(keys.enter);
  await alice.waitForText('> Our kettles ship within 2 days');
  alice.write(', or sooner');
  await alice.waitForText('> Our kettles ship within 2 days, or sooner');
  alice.write(keys.enter);
  const said = walt.getByRole('log').getByText('Our kettles ship within 2 days, or sooner');
  await said.waitFor();
  // The line is the operator's name, then the message: the message is the edited text, whole.
  t.equal(await said.evaluate((line) => line.lastChild?.textContent), 'Our kettles ship within 2 days, or sooner', 'the visitor\'s page shows the edited text');

  alice.write('So: #welcome');
  await alice.waitForText('> So: #welcome');
  alice.write(keys.tab);
  await alice.waitForText('> So: Welcome to our shop');

  const bob = await startClient(t, base, 'bob', tokens.bob!, {cols: 120});
  bob.write(keys.alt('p'));
  await bob.waitForText('#welcome  Welcome to our shop');
  t.notOk(bob.screen().includes('#ship'), 'alice\'s own response is not offered to bob');
});

t.test('save as HTML and text, asks before overwriting; e-mail draft and copy over SSH', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const folder = await mkdtemp(join(tmpdir(), 'cac-save-'));
  t.teardown(() => rm(folder, {recursive: true, force: true}));
  const alice = await startClient(t, hub.url, 'alice', hub.tokens.alice!, {cols: 200}, {saveFolder: folder}, {SSH_CONNECTION: '10.0.0.1 5000 10.0.0.2 22', DISPLAY: '', WAYLAND_DISPLAY: ''});
  const vera = await hub.visitor();
  vera.send({t: 'chat.request', id: vera.nextId(), name: 'Vera', email: 'vera@example.org', text: 'first question'});
  await alice.waitForText('Chat request: Vera');
  alice.write(keys.enter);
  await alice.waitForText('alice joined the chat');
  vera.send({t: 'msg', id: vera.nextId(), text: '<script>alert(1)</script>'});
  await alice.waitForText('Vera: <script>alert(1)</script>');
  alice.write('an answer');
  alice.write(keys.enter);
  await alice.waitForText('alice: an answer');

  alice.write(keys.alt('s'));
  await alice.waitForText('Save as html or txt? (Enter: html)');
  alice.write(keys.enter);
  await alice.waitForText('Save HTML to');
  alice.write(keys.enter);
  await alice.waitForText(/saved to \S+\.html/);
  const [htmlName] = (await readdir(folder)).filter((f) => f.endsWith('.html'));
  t.match(htmlName, /^chat-example\.com-\d{4}-\d\d-\d\d-Vera\.html$/);
  const html = await readFile(join(folder, htmlName!), 'utf8');
  t.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the visitor\'s markup is text');
  t.notOk(html.includes('<script>alert(1)'), 'and never markup');

  alice.write('/save txt');
  alice.write(keys.enter);
  await alice.waitForText('Save TXT to');
  alice.write(keys.enter);
  await alice.waitForText(/saved to \S+\.txt/);
  const [textName] = (await readdir(folder)).filter((f) => f.endsWith('.txt'));
  const text = await readFile(join(folder, textName!), 'utf8');
  const order = ['first question', '<script>alert(1)</script>', 'an answer'].map((m) => text.indexOf(m));
  t.ok(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)), 'every message, in order');

  alice.write(keys.alt('s'));
  await alice.waitForText('Save as html or txt?');
  alice.write(keys.enter);
  await alice.waitForText('Save HTML to');
  alice.write(keys.enter);
  await alice.waitForText('exists: overwrite it? (y/N)');
  alice.write('n');
  await alice.waitForText('not saved:');
  t.equal(await readFile(join(folder, htmlName!), 'utf8'), html, 'the file is as it was');

  alice.write(keys.alt('e'));
  await alice.waitForText(/e-mail draft written to \S+\.eml: open it in your mail program/);
  const [emlName] = (await readdir(folder)).filter((f) => f.endsWith('.eml'));
  const mail = await simpleParser(await readFile(join(folder, emlName!)));
  t.match(mail.subject, /Chat with Vera on example\.com/);
  t.match(Array.isArray(mail.to) ? '' : mail.to?.text, /vera@example\.org/);
  t.ok(mail.html && mail.text, 'HTML and text parts');
  t.equal(mail.headers.get('x-unsent'), '1');

  alice.write(keys.alt('y'));
  await alice.waitForText('through the terminal');
  const osc = /\x1b\]52;c;([A-Za-z0-9+/=]+)\x07/.exec(alice.raw());
  t.ok(osc, 'an OSC 52 sequence went to the terminal');
  t.match(Buffer.from(osc![1]!, 'base64').toString(), /Vera: <script>alert\(1\)<\/script>/);
});

t.test('left messages: counted, listed, done for every operator', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const [alice, bob] = await Promise.all([startClient(t, hub.url, 'alice', hub.tokens.alice!, {cols: 120}), startClient(t, hub.url, 'bob', hub.tokens.bob!, {cols: 120})]);
  const walt = await hub.visitor();
  walt.send({t: 'offline.message', id: walt.nextId(), name: 'Walt', email: 'walt@example.org', text: 'Please call me back'});
  await walt.waitType('offline.stored');
  await alice.waitForText('✉ 1 left');
  await bob.waitForText('✉ 1 left');
  alice.write(keys.alt('m'));
  await alice.waitForText('Left messages: 1');
  await alice.waitForText('Please call me back');
  alice.write('d');
  await alice.waitForText('No messages left.');
  await bob.waitUntil('the count to go for bob too', () => !bob.screen().includes('✉'));
  bob.write(keys.alt('m'));
  await bob.waitForText('No messages left.');
});
