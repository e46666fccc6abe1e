import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {askForChat, launchBrowser, noBrowser, watchedPage} from './helpers/browser.js';
import {freePort, hubProcess} from './helpers/spawn.js';
import {connectOperator, seedWidgetData} from './helpers/widget-hub.js';

const skip = noBrowser();

t.test('the widget outlives a hub killed with SIGKILL; a message typed meanwhile arrives once', {skip}, async (t) => {
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const dir = await mkdtemp(join(tmpdir(), 'cac-widget-restart-'));
  const port = await freePort();
  const tokens = await seedWidgetData(dir, port);
  const base = `http://127.0.0.1:${port}`;
  const hubs = hubProcess(t, dir, port);
  const startHub = () => hubs.start();

  const first = await startHub();
  const alice = await connectOperator(base, 'alice', tokens.alice!);
  const context = await browser.newContext();
  t.teardown(() => context.close());
  const {page} = await watchedPage(context);
  await page.goto(`http://localhost:${port}/demo/`);
  await askForChat(page, 'Hello before the crash');
  const {chat} = await alice.waitType('chat.requested');
  alice.send({t: 'chat.accept', chatId: chat.id});
  alice.send({t: 'msg', id: alice.nextId(), chatId: chat.id, text: 'Hi, how can I help?'});
  const status = page.getByRole('status');
  const log = page.getByRole('log', {name: 'Messages'});
  await log.getByText('Hi, how can I help?').waitFor();
  const seen = Math.max(...alice.of('ev').map((f) => f.e.seq as number), 0);

  first.child.kill('SIGKILL');
  await first.exited;
  alice.close();
  await status.getByText('Reconnecting').waitFor();
  const input = page.getByRole('textbox', {name: 'Your message'});
  await input.fill('typed during the outage');
  await input.press('Enter');

  await startHub();
  // Nothing touches the page: the widget finds the new hub by itself.
  await status.getByText('You are chatting with Alice').waitFor({timeout: 60_000});
  const again = await connectOperator(base, 'alice', tokens.alice!, {[chat.id]: seen});
  const got = await again.waitType('ev', (f) => f.e.text === 'typed during the outage');
  t.equal(got.e.from, 'visitor');
  again.send({t: 'msg', id: again.nextId(), chatId: chat.id, text: 'Back again'});
  await log.getByText('Back again').waitFor();
  await input.fill('and after');
  await input.press('Enter');
  await again.waitType('ev', (f) => f.e.text === 'and after');

  // A fresh look at the whole stored chat: the outage message is there exactly once.
  const audit = await connectOperator(base, 'alice', tokens.alice!, {[chat.id]: 0});
  await audit.waitType('synced', (f) => f.chatId === chat.id);
  const texts = audit.of('ev').map((f) => f.e.text as string);
  t.equal(texts.filter((x) => x === 'typed during the outage').length, 1, 'stored once');
  t.equal(texts.filter((x) => x === 'Hello before the crash').length, 1);
  const shown = await log.locator('div', {hasText: 'typed during the outage'}).count();
  t.equal(shown, 1, 'shown once on the page');
  t.equal(await page.locator('cac-widget').evaluate((host) => host.shadowRoot!.querySelectorAll('.q').length), 0, 'nothing left unconfirmed');
  for (const p of [again, audit]) p.close();
});
