import {existsSync} from 'node:fs';
import {chromium, type Browser, type BrowserContext, type Page} from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here, or false when they can. In CI a missing browser is a
 * failure, never a quiet skip.
 */
export function noBrowser(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: CI must install chromium for the widget tests`);
  return `no browser at ${CHROMIUM} (install chromium to run the widget tests)`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Records what a page must never do: alert/confirm dialogs, uncaught errors, console errors. */
export interface Watched {
  page: Page;
  dialogs: string[];
  errors: string[];
}

export async function watchedPage(context: BrowserContext): Promise<Watched> {
  const page = await context.newPage();
  return watch(page);
}

export function watch(page: Page): Watched {
  const w: Watched = {page, dialogs: [], errors: []};
  page.on('dialog', (d) => {
    w.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => w.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') w.errors.push(m.text());
  });
  return w;
}

/** The widget's shadow root content, for element-level assertions. */
export function widget(page: Page) {
  return page.locator('cac-widget');
}

/** Opens the widget and asks for a chat, as a visitor would: the launcher, the form, Start chat. */
export async function askForChat(page: Page, text: string, name?: string): Promise<void> {
  await page.getByRole('button', {name: 'Chat with us'}).click();
  const form = page.getByRole('form', {name: 'Start a chat'});
  if (name !== undefined) await form.getByLabel('Name (optional)').fill(name);
  await form.getByLabel('Message').fill(text);
  await form.getByRole('button', {name: 'Start chat'}).click();
}

/** The texts of the widget's chat log, line by line, without the speaker labels. */
export function chatTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const log = document.querySelector('cac-widget')!.shadowRoot!.querySelector('[role=log]')!;
    return Array.from(log.children).map((m) => Array.from(m.childNodes).filter((n) => n.nodeName !== 'B').map((n) => n.textContent).join(''));
  });
}
