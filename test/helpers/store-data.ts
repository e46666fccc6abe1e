import {addOperator} from '../../src/accounts/operators.js';
import {addSite} from '../../src/accounts/sites.js';
import type {Store} from '../../src/store/store.js';
import {globalNames, type ChatRecord} from '../../src/store/types.js';

/*
 * A store with some of everything, as a hub leaves it (for copying tests), and everything a
 * store holds read back through the Store interface, to compare two stores.
 */

const NOW = Date.UTC(2026, 5, 1, 9);

/**
 * Sites and operators, visitors with visits and pages, chats with events, feed entries, an
 * erased visitor. Resolves with the operators' login tokens.
 */
export async function fill(store: Store): Promise<Record<string, string>> {
  await addSite(store, 'example.com', {timezone: 'Europe/London'});
  await addSite(store, 'b.example', {timezone: 'Europe/Paris'});
  const tokens = {alice: (await addOperator(store, 'alice', {admin: true})).token, bob: (await addOperator(store, 'bob')).token};
  await store.putGlobal('canned', {canned: [{id: 'c1', shortcut: 'hi', text: 'Hello!'}]});
  await store.appendFeed({type: 'operator.status', at: NOW, operator: 'alice', status: 'online', connected: true});
  for (const [i, id] of ['v1', 'v2', 'gone', 'v3'].entries()) {
    const site = i === 3 ? 'b.example' : 'example.com';
    const at = NOW + i * 60_000;
    const tag = {site};
    await store.putVisitor({id, site, tokenHash: `hash-${id}`, firstSeen: at, chats: [`${id}-chat`], name: `Name ${id}`});
    for (let v = 0; v < 2; v++) {
      const visitId = `${id}-visit${v}`;
      await store.appendVisit(id, {id: visitId, start: at + v * 1000, ip: '203.0.113.9', browser: 'Firefox 120', os: 'Linux', userAgent: 'UA', referrer: 'https://search.example/'}, tag);
      for (let p = 0; p < 3; p++) await store.appendPage(id, visitId, {url: `https://${site}/p${p}`, title: `Page ${p}`, at: at + v * 1000 + p}, tag);
    }
    const chat: ChatRecord = {id: `${id}-chat`, kind: 'visitor', site, visitorId: id, state: 'waiting', operators: [], requestedAt: at + 10, firstText: 'hello'};
    const base = {site, visitorId: id};
    await store.appendEvent(chat.id, {kind: 'msg', from: 'visitor', name: `Name ${id}`, text: 'hello', id: `${id}-m1`, at: at + 10}, chat, {type: 'chat.requested', ...base});
    const accepted = {...chat, state: 'active' as const, owner: 'alice', operators: ['alice']};
    await store.appendEvent(chat.id, {kind: 'join', from: 'operator', name: 'Alice', text: 'Alice joined the chat', at: at + 11}, accepted, {type: 'chat.accepted', operator: 'alice', ...base});
    await store.appendEvent(chat.id, {kind: 'msg', from: 'operator', name: 'Alice', text: `How can I help, ${id}?`, id: `${id}-m2`, at: at + 12}, undefined, {type: 'chat.message', operator: 'alice', ...base});
    if (i % 2 === 0) {
      const ended = {...accepted, state: 'ended' as const, endedAt: at + 13};
      await store.appendEvent(chat.id, {kind: 'end', from: 'system', name: '', text: 'Alice ended the chat', at: at + 13}, ended, {type: 'chat.ended', reason: 'ended', operator: 'alice', ...base});
    }
    await store.appendFeed({type: 'visitor.left', at: at + 20, site, visitorId: id});
  }
  await store.putChat({id: 'op~alice~bob', kind: 'op', site: '', members: ['alice', 'bob'], state: 'active', operators: ['alice', 'bob'], requestedAt: NOW});
  await store.appendEvent('op~alice~bob', {kind: 'msg', from: 'operator', name: 'Alice', text: 'coffee?', id: 'op-1', at: NOW + 1});
  await store.eraseVisitor('gone');
  return tokens;
}

/** Everything a store holds, as the Store interface reads it back. */
export async function snapshot(store: Store): Promise<Record<string, unknown>> {
  const globals: Record<string, unknown> = {};
  for (const name of globalNames) globals[name] = await store.global(name, true);
  const chats = (await store.listChats({}, undefined, Infinity)).chats;
  const events: Record<string, unknown> = {};
  for (const chat of chats) events[chat.id] = {lastSeq: (await store.chat(chat.id))?.lastSeq, events: await store.events(chat.id)};
  const visitors = (await store.listVisitors({}, undefined, Infinity)).visitors;
  const visits: Record<string, unknown> = {};
  for (const v of visitors) visits[v.id] = await store.visits(v.id);
  const open = (await store.openChats()).map((c) => c.chat.id).sort();
  return {globals, chats, events, visitors, visits, open, feed: await store.feed(0, 5000), feedEnd: await store.feedEnd()};
}
