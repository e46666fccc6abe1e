import t from 'tap';
import type {ChatEvent, ChatSummary, HubToOperator} from '../src/protocol/index.js';
import {reducer, initialState, paneHeight, type Action, type State} from '../src/client/reducer.js';
import {ago, chatRows, chatTitle, listLength, opPeer, visitorRows} from '../src/client/selectors.js';
import {historyToAsk, OP_HISTORY, paneStart, resumeSeq} from '../src/client/pane-events.js';

const NOW = 1_000_000;
const chat = (over: Partial<ChatSummary> = {}): ChatSummary => ({
  id: 'c1',
  kind: 'visitor',
  site: 'example.com',
  visitorId: 'v1',
  visitorName: 'Vera',
  state: 'waiting',
  requestedAt: NOW,
  firstText: 'hello',
  lastSeq: 1,
  ...over,
});
const ev = (seq: number, over: Partial<ChatEvent> = {}): ChatEvent => ({seq, at: NOW, kind: 'msg', from: 'visitor', name: 'Vera', text: `m${seq}`, ...over});
const me = {name: 'alice', displayName: 'Alice', status: 'online' as const, connected: true};
const ready: HubToOperator = {t: 'ready', me, hub: 'cac', operators: [{name: 'bob', displayName: 'Bob', status: 'online', connected: true}], visitors: [], chats: [], messages: [], canned: []};

function apply(state: State, ...actions: Array<Action | HubToOperator>): State {
  return actions.reduce<State>((s, a) => reducer(s, 'type' in a ? a : {type: 'hub', frame: a}), state);
}
const start = () => apply(initialState('http://hub', 'alice', undefined, NOW), ready);

t.test('a request pops up and raises one alert; assignment to another closes the popup', async (t) => {
  let s = apply(start(), {t: 'chat.requested', chat: chat()});
  t.same(s.popups, ['c1']);
  t.equal(s.alert.n, 1);
  t.ok(s.alert.request);
  t.match(s.alert.text, /Vera on example.com: hello/);
  s = apply(s, {t: 'chat.requested', chat: chat()});
  t.equal(s.alert.n, 1, 'the same request does not ring twice');
  s = apply(s, {t: 'chat.assigned', chatId: 'c1', operator: 'bob'});
  t.same(s.popups, []);
  t.equal(s.chats.c1!.owner, 'bob');
  t.equal(s.panes.length, 0);
  t.equal(chatRows(s)[0]!.owner, 'bob');
});

t.test('my accept opens and focuses a pane; events are deduped by seq and kept in order', async (t) => {
  let s = apply(start(), {t: 'chat.requested', chat: chat()}, {t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  t.equal(s.panes.length, 1);
  t.equal(s.focus, 'pane');
  s = apply(s, {t: 'ev', chatId: 'c1', e: ev(1)}, {t: 'ev', chatId: 'c1', e: ev(3)}, {t: 'ev', chatId: 'c1', e: ev(2)}, {t: 'ev', chatId: 'c1', e: ev(3)});
  t.same(s.panes[0]!.events.map((e) => e.seq), [1, 2, 3]);
  t.equal(s.panes[0]!.lastSeq, 3);
  t.equal(s.panes[0]!.unread, 0, 'the focused pane has nothing unread');
  t.equal(s.alert.n, 1, 'messages in the focused pane do not ring');
});

t.test('pending messages go when their event or ack arrives', async (t) => {
  let s = apply(start(), {t: 'chat.requested', chat: chat()}, {t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  s = apply(s, {type: 'sending', chatId: 'c1', id: 'id-1', text: 'hi'});
  t.equal(s.panes[0]!.pending.length, 1);
  s = apply(s, {t: 'ack', id: 'id-1', seq: 5, chatId: 'c1'});
  t.equal(s.panes[0]!.pending.length, 1, 'ack before the event keeps it pending');
  s = apply(s, {t: 'ev', chatId: 'c1', e: ev(5, {from: 'operator', name: 'Alice', id: 'id-1', text: 'hi'})});
  t.equal(s.panes[0]!.pending.length, 0);
  s = apply(s, {type: 'sending', chatId: 'c1', id: 'id-2', text: 'again'});
  s = apply(s, {t: 'ev', chatId: 'c1', e: ev(6, {from: 'operator', name: 'Alice', text: 'x'})});
  s = apply(s, {t: 'ack', id: 'id-2', seq: 6, chatId: 'c1'});
  t.equal(s.panes[0]!.pending.length, 0);
  // A message the hub refuses (the chat went to someone else while we were away) is never acked.
  s = apply(s, {type: 'sending', chatId: 'c1', id: 'id-3', text: 'are you there?'});
  s = apply(s, {t: 'error', code: 'not_owner', message: 'you are not in this chat', ref: 'id-3'});
  t.equal(s.panes[0]!.pending.length, 0, 'it no longer looks as if it is on its way');
  t.equal(s.notice, 'not sent (you are not in this chat): are you there? (back in the line: Enter sends it again)');
  t.equal(s.panes[0]!.draft, 'are you there?', 'what was typed is back in the line');
  // Refused while something else is being typed: that stays; the notice keeps the refused text.
  s = apply(s, {type: 'sending', chatId: 'c1', id: 'id-4', text: 'second'}, {type: 'draft', text: 'third, half typ'});
  s = apply(s, {t: 'error', code: 'not_stored', message: 'the hub could not store that; send it again', ref: 'id-4'});
  t.same([s.panes[0]!.draft, s.notice], ['third, half typ', 'not sent (the hub could not store that; send it again): second']);
});

t.test('background panes count unread and ring; switching clears the count', async (t) => {
  let s = apply(start(), {t: 'chat.requested', chat: chat()}, {t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  s = apply(s, {t: 'chat.requested', chat: chat({id: 'c2', visitorName: 'Walt'})}, {t: 'chat.assigned', chatId: 'c2', operator: 'alice'});
  t.equal(s.active, 1);
  const before = s.alert.n;
  s = apply(s, {t: 'ev', chatId: 'c1', e: ev(2)});
  t.equal(s.panes[0]!.unread, 1);
  t.equal(s.alert.n, before + 1);
  t.notOk(s.alert.request);
  s = apply(s, {type: 'pane', index: 0});
  t.equal(s.panes[0]!.unread, 0);
  s = apply(s, {type: 'paneStep', dir: 1});
  t.equal(s.active, 1);
  s = apply(s, {type: 'paneStep', dir: 1});
  t.equal(s.active, 0, 'wraps around');
  s = apply(s, {type: 'pane', index: 7});
  t.equal(s.active, 0, 'no such pane');
});

t.test('events that came together apply as one frame each would, with one alert', async (t) => {
  let s = apply(start(), {t: 'chat.requested', chat: chat()}, {t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  s = apply(s, {t: 'chat.requested', chat: chat({id: 'c2', visitorName: 'Walt'})}, {t: 'chat.assigned', chatId: 'c2', operator: 'alice'});
  s = apply(s, {type: 'sending', chatId: 'c1', id: 'id-1', text: 'on its way'}, {t: 'ev', chatId: 'c1', e: ev(2)}, {type: 'pane', index: 1});
  const before = s.alert.n;
  const unread = s.panes[0]!.unread;
  const mine = ev(6, {from: 'operator', name: 'Alice', id: 'id-1', text: 'on its way'});
  const left = ev(7, {kind: 'left', from: 'system', name: 'system', text: 'Visitor has left the conversation'});
  // Out of order, twice over, one already held, mine among them, in a background pane.
  s = apply(s, {type: 'events', chatId: 'c1', events: [ev(4), ev(3), ev(4), ev(2), ev(5, {text: 'the last word'}), mine, left]});
  const pane = s.panes[0]!;
  t.same(pane.events.map((e) => e.seq), [2, 3, 4, 5, 6, 7]);
  t.same([pane.lastSeq, pane.unread - unread, pane.pending.length, pane.closed], [7, 3, 0, 'Visitor has left the conversation'], 'three new messages of the visitor counted, mine not');
  t.equal(s.alert.n, before + 1, 'one ring for all of them');
  t.match(s.alert.text, /Vera: the last word/);
  t.equal(apply(s, {type: 'events', chatId: 'c1', events: [ev(3), ev(7)]}), s, 'nothing new: nothing changes');
  s = apply(s, {type: 'events', chatId: 'c1', events: [ev(1), ev(8)]});
  t.same(s.panes[0]!.events.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8], 'an early one lands in its place');
});

t.test('visitor leaving, ending and my leave close the pane for input; re-joining reopens it', async (t) => {
  let s = apply(start(), {t: 'chat.requested', chat: chat()}, {t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  s = apply(s, {t: 'ev', chatId: 'c1', e: ev(2, {kind: 'left', from: 'system', name: 'system', text: 'Visitor has left the conversation'})});
  t.equal(s.panes[0]!.closed, 'Visitor has left the conversation');
  s = apply(s, {t: 'ev', chatId: 'c1', e: ev(3, {kind: 'join', from: 'operator', name: 'Alice', text: 'Alice joined'})});
  t.notOk(s.panes[0]!.closed);
  s = apply(s, {t: 'ev', chatId: 'c1', e: ev(4, {kind: 'leave', from: 'system', name: 'Alice', text: 'Alice left', priv: true})});
  t.equal(s.panes[0]!.closed, 'You left this chat');
  s = apply(s, {t: 'chat.update', chat: chat({state: 'ended'})});
  t.notOk(s.chats.c1, 'ended chats leave the list');
  s = apply(s, {type: 'closePane', chatId: 'c1'});
  t.equal(s.panes.length, 0);
  t.equal(s.focus, 'chats');
  t.equal(apply(s, {type: 'closePane', chatId: 'nope'}), s);
});

t.test('operator chats open a background pane on the first message and ring', async (t) => {
  let s = start();
  s = apply(s, {t: 'ev', chatId: 'op~alice~bob', e: ev(1, {from: 'operator', name: 'Bob', text: 'psst'})});
  t.equal(s.panes.length, 1);
  t.equal(s.panes[0]!.kind, 'op');
  t.equal(s.panes[0]!.peer, 'bob');
  t.equal(s.panes[0]!.unread, 1);
  t.equal(s.alert.n, 1);
  t.equal(chatTitle(s, 'op~alice~bob'), '@Bob');
  s = apply(s, {t: 'ev', chatId: 'stranger', e: ev(1)});
  t.equal(s.panes.length, 1, 'events of chats that are not mine are ignored');
  s = apply(s, {type: 'openOpChat', peer: 'bob', chatId: 'op~alice~bob'});
  t.equal(s.panes.length, 1);
  t.equal(s.focus, 'pane');
  s = apply(s, {type: 'sending', chatId: 'op~alice~carol', id: 'x1', text: 'hi carol', peer: 'carol'});
  t.equal(s.panes.length, 2);
  t.equal(s.panes[1]!.peer, 'carol');
});

t.test('an operator chat opened years into it: its last lines come as its past, not as news', async (t) => {
  const bob = (seq: number, text = `b${seq}`) => ev(seq, {from: 'operator', name: 'Bob', text});
  let s = apply(start(), {t: 'ev', chatId: 'op~alice~bob', e: bob(5000, 'are you there?')});
  const opened = s.panes[0]!;
  t.equal(opened.firstSeen, 5000);
  t.equal(paneStart(opened), 5000 - 1 - OP_HISTORY, 'the pane starts OP_HISTORY lines before its first');
  t.same(historyToAsk([], s.panes), [{chatId: 'op~alice~bob', after: 4899}], 'and asks the hub for them once');
  t.same([opened.unread, s.alert.n], [1, 1]);
  const past = Array.from({length: OP_HISTORY}, (_, i) => bob(4900 + i));
  const before = s.panes;
  s = apply(s, {type: 'events', chatId: 'op~alice~bob', events: past}, {t: 'ev', chatId: 'op~alice~bob', e: bob(5001)});
  const pane = s.panes[0]!;
  t.same([pane.events[0]!.seq, pane.events.at(-1)!.seq, pane.events.length], [4900, 5001, 102], 'the past in its place, in order');
  t.same([pane.unread, s.alert.n], [2, 2], 'the past neither counts as unread nor rings; the next line does');
  t.same(historyToAsk(before, s.panes), [], 'asked once');
  t.equal(resumeSeq(pane.events, paneStart(pane)), 5001, 'a reconnect asks only for what came after');
  t.equal(resumeSeq(pane.events.filter((e) => e.seq !== 4950), paneStart(pane)), 4949, 'a hole in the past is asked for again');
  t.equal(resumeSeq([], paneStart(pane)), 4899, 'before its past came: from where it starts');

  s = apply(start(), {t: 'ev', chatId: 'op~alice~bob', e: bob(1)});
  t.equal(s.panes[0]!.firstSeen, undefined, 'a chat that begins here has no past');
  t.same(historyToAsk([], s.panes), []);
  s = apply(start(), {t: 'ev', chatId: 'op~alice~bob', e: bob(40)});
  t.same(historyToAsk([], s.panes), [{chatId: 'op~alice~bob', after: 0}], 'a short past is all of it');
  s = apply(start(), {t: 'chat.requested', chat: chat()}, {t: 'chat.assigned', chatId: 'c1', operator: 'alice'}, {t: 'ev', chatId: 'c1', e: ev(9)});
  t.same([s.panes[0]!.firstSeen, paneStart(s.panes[0]!)], [undefined, 0], 'a visitor chat is held from its start');
});

t.test('ready rebuilds the lists, reopens my chats, rings for waiting ones', async (t) => {
  const s = apply(initialState('h', 'alice', undefined, NOW), {
    ...ready,
    visitors: [
      {id: 'v2', site: 'example.com', ip: '1', browser: 'b', os: 'o', pages: 1, since: 20, online: true},
      {id: 'v1', site: 'example.com', ip: '1', browser: 'b', os: 'o', pages: 1, since: 10, online: true},
    ],
    chats: [chat({id: 'mine', state: 'active', owner: 'alice'}), chat({id: 'w'}), chat({id: 'theirs', state: 'active', owner: 'bob'})],
  } as HubToOperator);
  t.same(s.panes.map((p) => p.chatId), ['mine']);
  t.same(s.popups, ['w']);
  t.equal(s.alert.n, 1);
  t.same(visitorRows(s).map((v) => v.id), ['v1', 'v2']);
  t.same(chatRows(s).map((c) => c.id), ['w', 'mine', 'theirs']);
  t.equal(listLength(s, 'operators'), 1);
});

t.test('presence and other frames', async (t) => {
  let s = start();
  const v = {id: 'v1', site: 'example.com', ip: '1', browser: 'b', os: 'o', pages: 1, since: 10, online: true};
  s = apply(s, {t: 'visitor.update', visitor: v});
  t.equal(listLength(s, 'visitors'), 1);
  t.equal(chatTitle(apply(s, {t: 'chat.update', chat: chat({visitorName: undefined})}), 'c1'), 'visitor v1');
  s = apply(s, {t: 'visitor.gone', visitorId: 'v1'});
  t.equal(listLength(s, 'visitors'), 0);
  // Updates the hub sent together apply in order: the later one of a visitor wins.
  s = apply(s, {
    t: 'visitor.updates',
    updates: [
      {t: 'visitor.update', visitor: v},
      {t: 'visitor.update', visitor: {...v, id: 'v2'}},
      {t: 'visitor.update', visitor: {...v, pages: 2}},
    ],
  });
  t.equal(listLength(s, 'visitors'), 2);
  t.equal(s.visitors.v1!.pages, 2);
  s = apply(s, {t: 'visitor.gone', visitorId: 'v2'});
  s = apply(s, {t: 'visitor.gone', visitorId: 'v1'});
  s = apply(s, {t: 'operator.update', operator: {...me, status: 'away'}});
  t.equal(s.me!.status, 'away');
  s = apply(s, {t: 'operator.update', operator: {name: 'bob', displayName: 'Bob', status: 'offline', connected: false}});
  t.equal(s.operators.bob!.status, 'offline');
  s = apply(s, {t: 'error', code: 'taken', message: 'bob took this chat'});
  t.equal(s.notice, 'taken: bob took this chat');
  s = apply(s, {t: 'offline.message', message: {id: 'o', site: 'example.com', visitorId: 'v', text: 'call me\x1b[2J', at: 1}});
  t.match(s.notice, /Offline message from a visitor: call me␛\[2J/);
  t.equal(apply(s, {t: 'pong'}), s);
  s = apply(s, {t: 'chat.requested', chat: chat()}, {t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  s = apply(s, {t: 'typing', chatId: 'c1', typing: true, preview: 'whe'});
  t.same(s.panes[0]!.typing, {preview: 'whe'});
  s = apply(s, {t: 'ev', chatId: 'c1', e: ev(2)});
  t.notOk(s.panes[0]!.typing, 'a message ends the typing indicator');
});

t.test('focus, selection, scrolling, drafts, overlays and settings', async (t) => {
  let s = apply(start(), {t: 'chat.requested', chat: chat()}, {t: 'chat.requested', chat: chat({id: 'c2', requestedAt: NOW + 1})});
  t.equal(s.focus, 'chats');
  s = apply(s, {type: 'select', delta: 5});
  t.equal(s.selected.chats, 1, 'clamped to the list');
  s = apply(s, {type: 'select', delta: -9});
  t.equal(s.selected.chats, 0);
  s = apply(s, {type: 'focusStep', dir: 1});
  t.equal(s.focus, 'operators');
  s = apply(s, {type: 'focusStep', dir: 1});
  t.equal(s.focus, 'visitors', 'no panes: the pane is skipped');
  s = apply(s, {type: 'focus', focus: 'pane'});
  t.equal(s.focus, 'visitors', 'no pane to focus');
  s = apply(s, {type: 'popupDismiss'});
  t.same(s.popups, ['c2']);
  s = apply(s, {t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  t.equal(apply(s, {type: 'select', delta: 1}), s, 'no selection in a pane');
  s = apply(s, {type: 'focusStep', dir: -1});
  t.equal(s.focus, 'operators');
  s = apply(s, {type: 'focusStep', dir: 1});
  t.equal(s.focus, 'pane');
  s = apply(s, {type: 'draft', text: 'hel'});
  t.equal(s.panes[0]!.draft, 'hel');
  for (let i = 2; i < 40; i++) s = apply(s, {t: 'ev', chatId: 'c1', e: ev(i)});
  s = apply(s, {type: 'scroll', pages: 1});
  t.equal(s.panes[0]!.scroll, paneHeight(s) - 1);
  s = apply(s, {type: 'scroll', pages: -3});
  t.equal(s.panes[0]!.scroll, 0);
  s = apply(s, {type: 'overlay', overlay: {kind: 'help'}});
  t.equal(s.overlay?.kind, 'help');
  s = apply(s, {type: 'settings', settings: {...s.settings, bell: false}});
  t.equal(s.settings.bell, false);
  s = apply(s, {type: 'resize', cols: 120, rows: 40}, {type: 'tick', now: NOW + 5}, {type: 'conn', status: 'disconnected', error: 'x', retryAt: 9});
  t.same(s.size, {cols: 120, rows: 40});
  t.equal(s.now, NOW + 5);
  t.same(s.conn, {status: 'disconnected', error: 'x', retryAt: 9});
  s = apply(s, {type: 'notice', text: 'n'}, {type: 'openChat', chatId: 'c1'}, {type: 'quit'});
  t.ok(s.quit);
  t.notOk(s.overlay);
});

t.test('selector helpers', async (t) => {
  t.equal(ago(5_000), '5s');
  t.equal(ago(125_000), '2m');
  t.equal(ago(3_900_000), '1h05');
  t.equal(opPeer('op~alice~bob', 'bob'), 'alice');
  t.equal(opPeer('c1', 'bob'), undefined);
});
