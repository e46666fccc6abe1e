import {render} from 'ink-testing-library';
import stringWidth from 'string-width';
import t from 'tap';
import type {ChatEvent, ChatSummary, HubToOperator, OperatorToHub, Visit, VisitorSummary} from '../src/protocol/index.js';
import {run, type Effects} from '../src/client/commands.js';
import {Screen} from '../src/client/components/Screen.js';
import {barBindings, helpBindings, keyToCommand, type Command} from '../src/client/keymap.js';
import {pastVisitLines} from '../src/client/people.js';
import {reducer, initialState, type Action, type State} from '../src/client/reducer.js';
import {chatRows, chatTitle} from '../src/client/selectors.js';

const NOW = new Date(2024, 2, 12, 14, 5).getTime();
const me = {name: 'alice', displayName: 'Alice', status: 'online' as const, connected: true};
const bob = {name: 'bob', displayName: 'Bob', status: 'online' as const, connected: true};
const visitor = (over: Partial<VisitorSummary> = {}): VisitorSummary => ({
  id: 'v1abcdef',
  site: 'example.com',
  name: 'Vera',
  ip: '8.8.8.8',
  location: 'United States',
  browser: 'Chrome',
  os: 'Linux',
  pages: 1,
  since: NOW,
  online: true,
  ...over,
});
const chat = (over: Partial<ChatSummary> = {}): ChatSummary => ({
  id: 'c1',
  kind: 'visitor',
  site: 'example.com',
  visitorId: 'v1abcdef',
  visitorName: 'Vera',
  state: 'waiting',
  requestedAt: NOW,
  firstText: 'hello',
  lastSeq: 1,
  ...over,
});
const ev = (seq: number, over: Partial<ChatEvent> = {}): ChatEvent => ({seq, at: NOW, kind: 'msg', from: 'visitor', name: 'Vera', text: `m${seq}`, ...over});
const visit = (start: number, pages: string[], over: Partial<Visit> = {}): Visit => ({
  id: `visit-${start}`,
  start,
  end: start + 5 * 60_000,
  ip: '8.8.8.8',
  location: 'United States',
  browser: 'Chrome',
  os: 'Linux',
  userAgent: 'x',
  pages: pages.map((title, i) => ({url: `https://example.com/${title.toLowerCase()}`, title, at: start + i * 60_000})),
  ...over,
});

function harness(visitors: VisitorSummary[] = [visitor()]) {
  let state: State = initialState('h', 'alice', undefined, NOW);
  const sent: OperatorToHub[] = [];
  let n = 0;
  const fx: Effects = {
    send: (frame) => {
      sent.push(frame);
      return true;
    },
    dispatch: (action: Action) => {
      state = reducer(state, action);
    },
    saveSettings: () => {},
    newId: () => `id-${String(++n).padStart(6, '0')}`,
  };
  const h = {
    fx,
    sent,
    get state() {
      return state;
    },
    set state(s: State) {
      state = s;
    },
    do(...commands: Command[]) {
      for (const c of commands) run(state, c, fx);
    },
    hub(frame: HubToOperator) {
      state = reducer(state, {type: 'hub', frame});
    },
  };
  h.hub({t: 'ready', me, hub: 'cac', operators: [bob], visitors, chats: [], messages: [], canned: []});
  return h;
}

function mine(h: ReturnType<typeof harness>) {
  h.hub({t: 'chat.requested', chat: chat()});
  h.hub({t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
}

const frame = (state: State) => {
  const r = render(<Screen state={state} />);
  const out = r.lastFrame() ?? '';
  r.unmount();
  return out;
};

const fits = (t: {ok(value: unknown, message: string): unknown}, out: string, what: string) => {
  t.ok(out.split('\n').every((l) => stringWidth(l) <= 80), `${what}: every row fits 80 columns`);
  t.ok(out.split('\n').length <= 23, `${what}: fits 24 rows`);
};

t.test('earlier visits: asked for the selected visitor, shown newest first with their pages, scrolled', async (t) => {
  const h = harness();
  h.do({c: 'visits'});
  t.match(h.state.notice, /select a visitor/, 'nothing selected: the chats list has the focus');
  h.state = reducer(h.state, {type: 'focus', focus: 'visitors'});
  h.do({c: 'visits'});
  t.same(h.sent.at(-1), {t: 'visitor.visits', visitorId: 'v1abcdef'});
  t.same(h.state.overlay, {kind: 'visits', visitorId: 'v1abcdef', top: 0});
  t.match(frame({...h.state, size: {cols: 80, rows: 24}}), /asking the hub/);
  const older = visit(NOW - 86_400_000, ['Home', 'Kettles', 'Blue', 'Basket'], {referrer: 'https://search.example/?q=kettle'});
  const newer = visit(NOW, ['Home', 'Order', 'Pay'], {referrer: 'not a url', location: undefined});
  h.hub({t: 'visitor.visits', visitorId: 'v1abcdef', visits: [older, newer]});
  t.same(h.state.pastVisits.v1abcdef!.map((v) => v.start), [NOW, NOW - 86_400_000], 'newest first');
  const lines = pastVisitLines(h.state.pastVisits.v1abcdef);
  t.match(lines[0], /^12 Mar 14:05 · 5m · 3 pages · from not a url · 8\.8\.8\.8$/, 'no location: the address');
  t.match(lines[4], /^11 Mar 14:05 · 5m · 4 pages · from search\.example · United States$/);
  t.match(lines[5], /^ {2}14:05 Home {2}https:\/\/example\.com\/home$/);
  t.same(pastVisitLines([]), ['no visits recorded']);
  const out = frame({...h.state, size: {cols: 80, rows: 24}});
  fits(t, out, 'the visits');
  t.match(out, /Visits of Vera \(2\), newest first/);
  t.match(out, /Kettles/);

  // Scrolling stops where the last line is at the bottom.
  // 10 rows: 7 below the title, for 9 lines.
  h.state = {...h.state, size: {cols: 80, rows: 10}};
  h.do({c: 'overlayMove', by: 1});
  t.same(h.state.overlay, {kind: 'visits', visitorId: 'v1abcdef', top: 1});
  h.do({c: 'overlayMove', by: 10});
  t.same(h.state.overlay, {kind: 'visits', visitorId: 'v1abcdef', top: 2});
  h.do({c: 'overlayMove', by: -10});
  t.same(h.state.overlay, {kind: 'visits', visitorId: 'v1abcdef', top: 0});
  t.same(keyToCommand('', {downArrow: true} as never, {focus: 'visitors', overlay: 'visits'}), {c: 'overlayMove', by: 1});
  t.same(keyToCommand('', {escape: true} as never, {focus: 'visitors', overlay: 'visits'}), {c: 'escape'});
  h.do({c: 'escape'});
  t.equal(h.state.overlay, undefined);
  h.do({c: 'overlayMove', by: 1}, {c: 'pick'});
  t.equal(h.state.overlay, undefined, 'outside the overlays these do nothing');
});

t.test('a hostile visitor name in the overlays\' titles reaches the terminal made visible, never as escape codes', async (t) => {
  const name = 'Eve\u001b]0;PWNED\u0007\u001b]52;c;Y3VybCBldmlsfHNoCg==\u0007';
  const h = harness([visitor({name})]);
  h.state = reducer(h.state, {type: 'focus', focus: 'visitors'});
  h.do({c: 'visits'});
  h.hub({t: 'visitor.visits', visitorId: 'v1abcdef', visits: [visit(NOW, ['Home'])]});
  const visits = frame({...h.state, size: {cols: 120, rows: 24}});
  t.notMatch(visits, /\u001b\]|\u0007/, 'no OSC sequence or bell in the visits overlay');
  t.match(visits, 'Visits of Eve␛]0;PWNED␇␛]52;c;', 'the name shown with its control characters visible');
  h.do({c: 'escape'});
  h.state = {...h.state, overlay: {kind: 'history', visitorId: 'v1abcdef', index: 0}};
  const history = frame({...h.state, size: {cols: 120, rows: 24}});
  t.notMatch(history, /\u001b\]|\u0007/, 'none in the earlier chats overlay either');
  t.match(history, 'Earlier chats of Eve␛]0;PWNED␇');
});

t.test('earlier chats: the key shows only for a visitor who chatted before; Enter opens one read-only', async (t) => {
  const h = harness();
  mine(h);
  const history = (s: State) => helpBindings(s).some((b) => b.keys === 'Alt+H');
  t.notOk(history(h.state), 'a first-time visitor: no history key in the help');
  t.notOk(barBindings(h.state, 'pane').some((b) => b.keys === 'Alt+H'), 'nor on the key bar');
  h.hub({t: 'visitor.update', visitor: visitor({chatsBefore: 1})});
  t.ok(history(h.state), 'after a chat: the key is there');
  t.ok(barBindings(h.state, 'pane').some((b) => b.keys === 'Alt+H'));

  h.do({c: 'history'});
  t.same(h.sent.at(-1), {t: 'visitor.chats', visitorId: 'v1abcdef'});
  t.match(frame({...h.state, size: {cols: 80, rows: 24}}), /asking the hub/);
  const earlier = chat({id: 'c0', state: 'ended', owner: 'bob', requestedAt: NOW - 86_400_000, firstText: 'Do you ship?'});
  const older = chat({id: 'c-1', state: 'ended', owner: 'alice', requestedAt: NOW - 2 * 86_400_000, firstText: 'first'});
  h.hub({t: 'visitor.chats', visitorId: 'v1abcdef', chats: [older, chat({state: 'active', owner: 'alice'}), earlier]});
  t.same(h.state.pastChats.v1abcdef!.map((c) => c.id), ['c0', 'c-1'], 'ended ones, newest first');
  const out = frame({...h.state, size: {cols: 80, rows: 24}});
  fits(t, out, 'the history list');
  t.match(out, /11 Mar 14:05 {2}bob {2}Do you ship\?/);
  h.do({c: 'overlayMove', by: 5});
  t.same(h.state.overlay, {kind: 'history', visitorId: 'v1abcdef', index: 1});
  h.do({c: 'overlayMove', by: -1}, {c: 'pick'});
  t.same(h.sent.at(-1), {t: 'chat.sync', chatId: 'c0', after: 0});
  t.equal(h.state.overlay, undefined);
  t.equal(h.state.panes.length, 2);
  t.equal(h.state.active, 1);
  t.equal(chatTitle(h.state, 'c0'), '11 Mar bob', 'the tab: date and the owner until the events say who joined');
  h.hub({t: 'ev', chatId: 'c0', e: ev(1, {text: 'Do you ship?'})});
  h.hub({t: 'ev', chatId: 'c0', e: ev(2, {kind: 'join', from: 'operator', name: 'bob', text: 'bob joined the chat'})});
  h.hub({t: 'ev', chatId: 'c0', e: ev(3, {kind: 'join', from: 'operator', name: 'carol', text: 'carol joined the chat'})});
  t.equal(chatTitle(h.state, 'c0'), '11 Mar bob,carol');
  t.match(frame({...h.state, size: {cols: 80, rows: 24}}), /Vera: Do you ship\?/);

  const before = h.sent.length;
  h.do({c: 'type', text: 'x'});
  t.match(h.state.notice, /read-only/);
  t.equal(h.state.panes[1]!.draft, '', 'nothing typed');
  h.do({c: 'end'}, {c: 'transfer', to: 'bob'});
  t.equal(h.sent.length, before, 'nothing to end or transfer in an earlier chat');
  t.match(h.state.notice, /select one of your open visitor chats/);
  h.do({c: 'history'});
  t.match(h.state.notice, /select a visitor/, 'an earlier chat is no visitor to ask about');

  // The chat I had open ends: opened again from the history it turns read-only in its pane.
  h.hub({t: 'chat.update', chat: chat({state: 'ended', owner: 'alice'})});
  h.state = reducer(h.state, {type: 'openHistory', chat: chat({state: 'ended', owner: 'alice'})});
  t.equal(h.state.panes.length, 2);
  t.equal(h.state.active, 0);
  t.ok(h.state.panes[0]!.history);
  h.state = reducer(h.state, {type: 'overlay', overlay: {kind: 'history', visitorId: 'nobody', index: 0}});
  h.do({c: 'overlayMove', by: 1}, {c: 'pick'});
  t.same(h.state.overlay, {kind: 'history', visitorId: 'nobody', index: 0}, 'nothing to pick');
  h.hub({t: 'visitor.chats', visitorId: 'nobody', chats: []});
  t.match(frame({...h.state, size: {cols: 80, rows: 24}}), /no earlier chats/);
});

t.test('transfer: /transfer NAME note or t on the operators list; the outcome is a notice', async (t) => {
  const h = harness();
  h.do({c: 'transfer', to: 'bob'});
  t.match(h.state.notice, /select one of your open visitor chats/);
  mine(h);
  run(h.state, {c: 'type', text: '/'}, h.fx);
  for (const ch of 'transfer bob please take this') run(h.state, {c: 'type', text: ch}, h.fx);
  run(h.state, {c: 'enter'}, h.fx);
  t.same(h.sent.at(-1), {t: 'chat.transfer', chatId: 'c1', to: 'bob', note: 'please take this'});
  t.match(h.state.notice, /offered the chat to bob/);
  h.state = reducer(h.state, {type: 'focus', focus: 'operators'});
  t.same(keyToCommand('t', {} as never, {focus: 'operators'}), {c: 'transfer'});
  h.do({c: 'transfer'});
  t.same(h.sent.at(-1), {t: 'chat.transfer', chatId: 'c1', to: 'bob', note: undefined}, 'the selected operator');
  h.state = reducer(h.state, {type: 'focus', focus: 'pane'});
  h.do({c: 'transfer', to: '', note: ''});
  t.match(h.state.notice, /usage: \/transfer/);

  // Others see the chat offered to bob, not waiting for them: no popup, no bell.
  const alert = h.state.alert.n;
  h.hub({t: 'chat.update', chat: chat({offeredTo: 'bob'})});
  h.hub({t: 'ready', me, hub: 'cac', operators: [bob], visitors: [visitor()], chats: [chat({offeredTo: 'bob'})], messages: [], canned: []});
  t.same(h.state.popups, []);
  t.equal(h.state.alert.n, alert);
  const list = frame({...h.state, size: {cols: 80, rows: 24}});
  t.match(list, /OFFR Vera → bob/);

  for (const [outcome, text] of [
    ['accepted', 'Bob took the chat'],
    ['declined', 'Bob declined the chat: it waits for everyone'],
    ['timeout', 'Bob did not answer in time'],
    ['offline', 'Bob went off-line'],
  ] as const) {
    h.hub({t: 'transfer.result', chatId: 'c1', to: 'bob', outcome});
    t.match(h.state.notice, text);
  }
  h.hub({t: 'transfer.result', chatId: 'c1', to: 'zed', outcome: 'accepted'});
  t.equal(h.state.notice, 'zed took the chat', 'an operator this client does not know: the name');
});

t.test('a chat offered to me pops up with the note and the last messages; Enter takes it, Esc declines', async (t) => {
  const offer = (): HubToOperator => ({
    t: 'chat.offer',
    chat: chat({offeredTo: 'alice'}),
    from: 'Bob',
    note: 'shipping \x1b[2J question',
    recent: [ev(1, {text: 'hello'}), ev(2, {text: 'My order 1234 is late'}), ev(3, {from: 'operator', name: 'Bob', text: 'let me see'})],
    until: NOW + 60_000,
  });
  const h = harness();
  h.hub(offer());
  t.same(h.state.popups, ['c1']);
  t.equal(h.state.alert.n, 1);
  t.match(h.state.alert.text, /Bob offers you the chat with Vera: shipping ␛\[2J question/);
  t.equal(chatRows(h.state)[0]!.offeredTo, 'alice');
  const out = frame({...h.state, size: {cols: 80, rows: 24}});
  fits(t, out, 'the offer');
  t.match(out, /Bob offers you Vera on example\.com/);
  t.match(out, /Note: shipping ␛\[2J question/);
  t.match(out, /Vera: My order 1234 is late/);
  t.match(out, /Bob: let me see/);
  t.match(out, /Enter: take the chat {3}Esc: decline/);
  h.do({c: 'enter'});
  t.same(h.sent.at(-1), {t: 'chat.accept', chatId: 'c1'});

  const d = harness();
  d.hub(offer());
  d.do({c: 'escape'});
  t.same(d.sent.at(-1), {t: 'chat.decline', chatId: 'c1'});
  t.same(d.state.popups, []);
  // A plain request is only hidden.
  d.hub({t: 'chat.requested', chat: chat({id: 'c2'})});
  const sent = d.sent.length;
  d.do({c: 'escape'});
  t.equal(d.sent.length, sent);
  t.same(d.state.popups, []);
  // Declined, the chat waits for everyone: the offer is over, and a later ring is a plain request.
  d.hub({t: 'chat.update', chat: chat()});
  t.same(d.state.offers, {});
  d.hub({t: 'chat.requested', chat: chat()});
  t.match(d.state.alert.text, /^Chat request from Vera on example\.com: hello/);
  const none = harness();
  none.hub({...offer(), note: undefined, recent: []} as HubToOperator);
  t.match(frame({...none.state, size: {cols: 80, rows: 24}}), /Note: \(none\)/);
});

t.test('invite: Alt+I or /invite for the selected visitor; the answer is a notice', async (t) => {
  const h = harness([]);
  h.do({c: 'invite'});
  t.match(h.state.notice, /no visitor selected/);
  h.hub({t: 'visitor.update', visitor: visitor()});
  h.hub({t: 'visitor.update', visitor: visitor({id: 'v2zzzzzz', name: undefined, since: NOW + 1})});
  h.state = reducer(h.state, {type: 'focus', focus: 'visitors'});
  t.same(keyToCommand('i', {meta: true} as never, {focus: 'visitors'}), {c: 'invite'});
  h.do({c: 'invite'});
  t.same(h.sent.at(-1), {t: 'visitor.invite', visitorId: 'v1abcdef', text: undefined});
  t.equal(h.state.notice, 'invited Vera to chat');
  h.state = reducer(h.state, {type: 'select', delta: 1});
  h.do({c: 'invite', text: 'Looking for a kettle?'});
  t.same(h.sent.at(-1), {t: 'visitor.invite', visitorId: 'v2zzzzzz', text: 'Looking for a kettle?'});
  t.equal(h.state.notice, 'invited visitor v2zzzz to chat');
  h.hub({t: 'invite.result', visitorId: 'v1abcdef', outcome: 'accepted'});
  t.equal(h.state.notice, 'Vera accepted: the chat is yours');
  h.hub({t: 'invite.result', visitorId: 'v2zzzzzz', outcome: 'dismissed'});
  t.equal(h.state.notice, 'visitor v2zzzz closed the invitation');
  h.hub({t: 'chat.update', chat: chat({id: 'c2', visitorId: 'v2zzzzzz', visitorName: 'Walt', state: 'active', owner: 'alice'})});
  h.hub({t: 'invite.result', visitorId: 'v2zzzzzz', outcome: 'accepted'});
  t.equal(h.state.notice, 'Walt accepted: the chat is yours', 'the name given with the chat request');
});
