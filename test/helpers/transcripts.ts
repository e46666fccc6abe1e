import {addOperator} from '../../src/accounts/operators.js';
import {addSite} from '../../src/accounts/sites.js';
import {EmbeddedStore} from '../../src/store/embedded-store.js';
import type {Store} from '../../src/store/store.js';
import type {ChatRecord} from '../../src/store/types.js';

/*
 * A data folder holding stored chats, written through the store as a hub would have left them:
 * what `cac transcripts` reads. Every chat is known here, so tests can say what must come out.
 */

export const T0 = Date.parse('2026-03-01T09:00:00Z');
export const DAY = 86_400_000;
const MIN = 60_000;

export interface SeededChat {
  id: string;
  site: string;
  visitorId: string;
  visitorName: string;
  operator: string;
  requestedAt: number;
  texts: string[];
}

export interface Seeded {
  chats: SeededChat[];
  tokens: Record<string, string>;
}

/** One chat: the visitor asks, an operator joins, they talk, it ends (unless `open`). */
export async function storeChat(store: Store, c: SeededChat, open = false): Promise<void> {
  const record: ChatRecord = {
    id: c.id,
    kind: 'visitor',
    site: c.site,
    visitorId: c.visitorId,
    visitId: `${c.visitorId}-visit`,
    visitorName: c.visitorName,
    state: 'active',
    owner: c.operator,
    operators: [c.operator],
    requestedAt: c.requestedAt,
    firstText: c.texts[0],
  };
  await store.putChat(record);
  let at = c.requestedAt;
  await store.appendEvent(c.id, {kind: 'msg', from: 'visitor', name: c.visitorName, text: c.texts[0]!, at});
  await store.appendEvent(c.id, {kind: 'join', from: 'operator', name: c.operator, text: `${c.operator} joined the chat`, at: (at += MIN)});
  for (const [i, text] of c.texts.slice(1).entries()) {
    const visitor = i % 2 === 1;
    await store.appendEvent(c.id, {kind: 'msg', from: visitor ? 'visitor' : 'operator', name: visitor ? c.visitorName : c.operator, text, at: (at += MIN)});
  }
  if (open) return;
  await store.appendEvent(c.id, {kind: 'end', from: 'system', name: c.operator, text: 'The operator has ended the chat', at: at + MIN}, {...record, state: 'ended', endedAt: at + MIN});
}

/**
 * Sites example.com (Europe/London) and shop.example (UTC), operators alice (Alice Smith, admin)
 * and bob; `count` chats, a day apart from T0, alternating sites and operators, three visitors.
 */
export async function seedTranscripts(dir: string, count = 6): Promise<Seeded> {
  // As a hub opens it: a new folder gets its format first, so no command converts it later.
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  await addSite(store, 'example.com', {timezone: 'Europe/London'});
  await addSite(store, 'shop.example', {timezone: 'UTC'});
  const tokens: Record<string, string> = {};
  tokens.alice = (await addOperator(store, 'alice', {admin: true, displayName: 'Alice Smith'})).token;
  tokens.bob = (await addOperator(store, 'bob')).token;
  const names = ['Eve', 'Ann Lee', '<b>Mallory</b>\u001b[2J'];
  const chats: SeededChat[] = [];
  for (let i = 0; i < 3; i++) {
    const id = `visitor${i}`;
    await store.putVisitor({id, site: 'example.com', tokenHash: 'h', firstSeen: T0, chats: []});
    await store.appendVisit(id, {id: `${id}-visit`, start: T0 - MIN, ip: '192.0.2.1', browser: 'Firefox 140', os: 'Linux', userAgent: 'UA', location: 'London, United Kingdom'});
    await store.appendPage(id, `${id}-visit`, {url: 'https://example.com/pricing', title: 'Pricing', at: T0});
  }
  for (let i = 0; i < count; i++) {
    const c: SeededChat = {
      id: `${(T0 + i * DAY).toString(36).padStart(9, '0')}-chat${i}`,
      site: i % 2 === 0 ? 'example.com' : 'shop.example',
      visitorId: `visitor${i % 3}`,
      visitorName: names[i % 3]!,
      operator: i % 2 === 0 ? 'alice' : 'bob',
      requestedAt: T0 + i * DAY,
      texts: [`Hello, question number ${i}`, `Hi, how can I help?`, `Where is my order ${1000 + i}?\nIt was a Refund request.`, 'It ships today.'],
    };
    await storeChat(store, c);
    chats.push(c);
  }
  await store.close();
  return {chats, tokens};
}
