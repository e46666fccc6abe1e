import t from 'tap';
import type {Key} from 'ink';
import type {OperatorToHub} from '../src/protocol/index.js';
import {run, type Effects} from '../src/client/commands.js';
import {BINDINGS, isF1, keyToCommand, type Command} from '../src/client/keymap.js';
import {reducer, initialState, type Action, type State} from '../src/client/reducer.js';
import {defaultSettings, type Settings} from '../src/client/state.js';
import {chatRows} from '../src/client/selectors.js';

const NOW = 1_000_000;

function harness(start?: State) {
  let state = start ?? initialState('h', 'alice', defaultSettings, NOW);
  const sent: OperatorToHub[] = [];
  const saved: Settings[] = [];
  let online = true;
  let n = 0;
  const fx: Effects = {
    send: (frame) => {
      sent.push(frame);
      return online || 'id' in frame;
    },
    dispatch: (action: Action) => {
      state = reducer(state, action);
    },
    saveSettings: (s) => saved.push(s),
    newId: () => `id-${String(++n).padStart(6, '0')}`,
  };
  return {
    fx,
    sent,
    saved,
    get state() {
      return state;
    },
    set offline(v: boolean) {
      online = !v;
    },
    do(...commands: Command[]) {
      for (const c of commands) run(state, c, fx);
    },
    hub(frame: any) {
      state = reducer(state, {type: 'hub', frame});
    },
    type(text: string) {
      for (const ch of text) run(state, {c: 'type', text: ch}, fx);
    },
  };
}

const chat = (id: string, over = {}) => ({id, kind: 'visitor' as const, site: 'example.com', visitorName: 'Vera', state: 'waiting' as const, requestedAt: NOW, firstText: 'hi', lastSeq: 1, ...over});
const me = {name: 'alice', displayName: 'Alice', status: 'online' as const, connected: true};

function withChat() {
  const h = harness();
  h.hub({t: 'ready', me, hub: 'cac', operators: [{name: 'bob', displayName: 'Bob', status: 'online', connected: true}], visitors: [], chats: [], messages: [], canned: []});
  h.hub({t: 'chat.requested', chat: chat('c1')});
  return h;
}

t.test('Enter on the popup accepts; Enter in the pane sends, with the same id in the pane', async (t) => {
  const h = withChat();
  h.do({c: 'enter'});
  t.same(h.sent.at(-1), {t: 'chat.accept', chatId: 'c1'});
  h.hub({t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  h.type('hello');
  t.same(h.sent.at(-1), {t: 'typing', chatId: 'c1', typing: true}, 'the visitor is told I am typing');
  t.equal(h.sent.filter((f) => f.t === 'typing').length, 1, 'once per message');
  h.do({c: 'edit', edit: {op: 'backspace'}}, {c: 'type', text: 'o there'}, {c: 'enter'});
  t.same(h.sent.find((f) => f.t === 'msg'), {t: 'msg', id: 'id-000001', chatId: 'c1', text: 'hello there'});
  t.equal(h.state.panes[0]!.pending[0]!.id, 'id-000001');
  t.equal(h.state.panes[0]!.draft, '');
  h.do({c: 'type', text: 'one two'}, {c: 'edit', edit: {op: 'deleteWord'}});
  t.equal(h.state.panes[0]!.draft, 'one ');
  h.do({c: 'edit', edit: {op: 'clear'}});
  t.equal(h.state.panes[0]!.draft, '');
  // Editing in the middle of the line: the cursor moves, text goes in where it is.
  h.do({c: 'type', text: 'helo world'}, {c: 'edit', edit: {op: 'home'}});
  h.do({c: 'edit', edit: {op: 'right'}}, {c: 'edit', edit: {op: 'right'}}, {c: 'edit', edit: {op: 'right'}}, {c: 'type', text: 'l'});
  t.equal(h.state.panes[0]!.draft, 'hello world');
  h.do({c: 'edit', edit: {op: 'end'}}, {c: 'edit', edit: {op: 'left'}}, {c: 'edit', edit: {op: 'deleteForward'}});
  t.equal(h.state.panes[0]!.draft, 'hello worl');
  h.do({c: 'enter'});
  t.equal(h.sent.filter((f) => f.t === 'msg').at(-1)?.text, 'hello worl');
  t.equal(h.state.panes[0]!.cursor, undefined, 'a sent line starts the next one at the end');
});

t.test('slash commands and keys for leave, end, block (confirmed), link, status, msg', async (t) => {
  const h = withChat();
  h.do({c: 'enter'});
  h.hub({t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  const line = (text: string) => {
    h.fx.dispatch({type: 'draft', text});
    h.do({c: 'enter'});
  };
  line('/leave');
  t.same(h.sent.at(-1), {t: 'chat.leave', chatId: 'c1'});
  h.do({c: 'end'});
  t.same(h.sent.at(-1), {t: 'chat.end', chatId: 'c1'});
  h.do({c: 'block'});
  t.equal(h.state.overlay?.kind, 'confirm');
  const before = h.sent.length;
  h.do({c: 'answer', yes: false});
  t.equal(h.sent.length, before, '"no" blocks nobody');
  line('/block');
  h.do({c: 'answer', yes: true});
  t.same(h.sent.at(-1), {t: 'chat.block', chatId: 'c1'});
  h.do({c: 'linkPrompt'});
  t.equal(h.state.panes[0]!.draft, '/link ', 'Alt+K starts a /link line');
  line('/link order.htm');
  t.match(h.sent.at(-1), {t: 'link.send', chatId: 'c1', url: 'order.htm'});
  line('/status away');
  t.same(h.sent.at(-1), {t: 'status', status: 'away'});
  line('/status off-line');
  t.same(h.sent.at(-1), {t: 'status', status: 'offline'});
  line('/status busy');
  t.match(h.state.notice, /usage/);
  line('/link');
  t.match(h.state.notice, /usage: \/link/);
  h.do({c: 'status'});
  t.same(h.sent.at(-1), {t: 'status', status: 'away'}, 'the status key cycles from on-line');
  line('/msg bob are you there?');
  t.match(h.sent.at(-1), {t: 'op.msg', to: 'bob', text: 'are you there?'});
  t.equal(h.state.panes.at(-1)!.peer, 'bob');
  line('/msg bob');
  t.match(h.state.notice, /usage: \/msg/);
  line('/frobnicate');
  t.match(h.state.notice, /unknown command/);
  line('/help');
  t.equal(h.state.overlay?.kind, 'help');
  h.do({c: 'escape'});
  t.notOk(h.state.overlay);
  line('/options');
  t.equal(h.state.overlay?.kind, 'options');
  h.do({c: 'down'}, {c: 'down'}, {c: 'enter'});
  t.equal(h.state.settings.notify, 'osc9');
  t.equal(h.saved.at(-1)!.notify, 'osc9', 'settings are saved');
  h.do({c: 'up'}, {c: 'up'}, {c: 'up'}, {c: 'enter'});
  t.equal(h.state.settings.bell, false);
  // The save folder is text: Enter edits it in place, Enter keeps it, Esc cancels.
  h.do({c: 'down'}, {c: 'down'}, {c: 'down'}, {c: 'down'}, {c: 'enter'});
  t.same(h.state.overlay, {kind: 'options', index: 4, editing: {text: '~', cursor: 1}});
  h.do({c: 'edit', edit: {op: 'clear'}}, {c: 'type', text: '/srv/transcripts'}, {c: 'enter'});
  t.equal(h.state.settings.saveFolder, '/srv/transcripts');
  t.equal(h.saved.at(-1)!.saveFolder, '/srv/transcripts', 'saved to the config file');
  t.same(h.state.overlay, {kind: 'options', index: 4}, 'editing ends; the options stay open');
  h.do({c: 'enter'}, {c: 'type', text: '/nope'}, {c: 'escape'});
  t.equal(h.state.settings.saveFolder, '/srv/transcripts', 'Esc cancels the edit');
  t.equal(h.state.overlay?.kind, 'options');
  h.do({c: 'escape'});
  t.notOk(h.state.overlay);
});

t.test('operators: Alt+O then Enter opens an operator chat; messages there are op.msg', async (t) => {
  const h = withChat();
  h.do({c: 'escape'});
  t.same(h.state.popups, [], 'Esc hides the popup');
  h.do({c: 'operators'}, {c: 'enter'});
  t.equal(h.state.panes[0]!.chatId, 'op~alice~bob');
  h.type('hi');
  h.do({c: 'enter'});
  t.match(h.sent.at(-1), {t: 'op.msg', to: 'bob', text: 'hi'});
  t.notOk(h.sent.some((f) => f.t === 'typing'), 'no typing frames to operators');
  h.do({c: 'leave'});
  t.match(h.state.notice, /select one of your open visitor chats/);
  h.do({c: 'close'});
  t.equal(h.state.panes.length, 0);
});

t.test('with a popup up, Enter takes it until the operator chooses a row on a list, and a new popup takes Enter again', async (t) => {
  const h = withChat();
  h.hub({t: 'chat.requested', chat: chat('c2', {requestedAt: NOW - 1, visitorName: 'Walt'})});
  t.same(h.state.popups, ['c1', 'c2'], 'two requests ring, the first one pops up');
  // Alt+O while the popup is up: Enter is for the colleague chosen, not for the popup.
  h.do({c: 'operators'}, {c: 'enter'});
  t.equal(h.state.panes[0]?.chatId, 'op~alice~bob', 'the chat with the colleague opened');
  t.notOk(h.sent.some((f) => f.t === 'chat.accept'), 'no visitor chat was taken');
  // Back on the chat list, the operator picks the second row: that is the chat taken.
  h.fx.dispatch({type: 'focus', focus: 'chats'});
  // The row that is not the popup's, wherever the list puts it.
  const rows = chatRows(h.state).map((c) => c.id);
  const other = rows.indexOf('c2');
  for (let i = h.state.selected.chats; i < other; i++) h.do({c: 'down'});
  for (let i = h.state.selected.chats; i > other; i--) h.do({c: 'up'});
  if (other === h.state.selected.chats) h.do({c: other === 0 ? 'down' : 'up'}, {c: other === 0 ? 'up' : 'down'});
  h.do({c: 'enter'});
  t.same(h.sent.at(-1), {t: 'chat.accept', chatId: 'c2'}, 'the row chosen, not the popup (c1)');
  // Both requests answered, a new one rings: Enter takes the popup again.
  h.hub({t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  h.hub({t: 'chat.assigned', chatId: 'c2', operator: 'bob'});
  t.same(h.state.popups, []);
  h.hub({t: 'chat.requested', chat: chat('c3')});
  t.equal(h.state.picking, false, 'a new popup takes Enter');
  h.fx.dispatch({type: 'focus', focus: 'chats'});
  h.hub({t: 'chat.requested', chat: chat('c4')});
  t.equal(h.state.picking, true, 'a second request while the operator is on a list leaves the choice to them');
  // Out of a pane with Tab, the popup still has Enter: leaving the pane is not choosing a row.
  h.hub({t: 'chat.assigned', chatId: 'c3', operator: 'bob'});
  h.hub({t: 'chat.assigned', chatId: 'c4', operator: 'bob'});
  h.fx.dispatch({type: 'openOpChat', peer: 'bob', chatId: 'op~alice~bob'});
  h.hub({t: 'chat.requested', chat: chat('c5')});
  t.equal(h.state.focus, 'pane');
  h.do({c: 'focusNext'});
  t.not(h.state.focus, 'pane');
  h.do({c: 'enter'});
  t.same(h.sent.at(-1), {t: 'chat.accept', chatId: 'c5'}, 'the popup taken');
});

t.test('Enter on the chat list accepts a waiting chat or opens my own; quit asks while chats are open', async (t) => {
  const h = withChat();
  h.do({c: 'escape'});
  h.do({c: 'enter'});
  t.same(h.sent.at(-1), {t: 'chat.accept', chatId: 'c1'});
  h.hub({t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  h.fx.dispatch({type: 'focus', focus: 'chats'});
  h.do({c: 'enter'});
  t.equal(h.state.focus, 'pane', 'my own chat: back to its pane');
  h.hub({t: 'chat.requested', chat: chat('c2', {requestedAt: NOW - 1})});
  h.hub({t: 'chat.assigned', chatId: 'c2', operator: 'bob'});
  h.fx.dispatch({type: 'focus', focus: 'chats'});
  h.do({c: 'down'}, {c: 'enter'});
  t.match(h.state.notice, /bob has this chat/);
  h.do({c: 'quit'});
  t.equal(h.state.overlay?.kind, 'confirm');
  t.notOk(h.state.quit);
  h.do({c: 'answer', yes: true});
  t.ok(h.state.quit);
});

t.test('closing my chat pane leaves the chat; a closed pane sends nothing; offline non-messages are refused', async (t) => {
  const h = withChat();
  h.do({c: 'enter'});
  h.hub({t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  h.hub({t: 'ev', chatId: 'c1', e: {seq: 2, at: NOW, kind: 'left', from: 'system', name: 'system', text: 'Visitor has left the conversation'}});
  h.type('anyone?');
  h.do({c: 'enter'});
  t.notOk(h.sent.some((f) => f.t === 'msg'));
  t.match(h.state.notice, /Visitor has left the conversation: nothing was sent/);
  t.equal(h.state.panes[0]!.draft, 'anyone?', 'the text is kept');
  h.offline = true;
  h.do({c: 'status'});
  t.match(h.state.notice, /not connected/);
  h.do({c: 'close'});
  t.notOk(h.sent.some((f) => f.t === 'chat.leave'), 'an ended chat is not left');
  t.equal(h.state.panes.length, 0);
  h.do({c: 'focusNext'}, {c: 'focusPrev'}, {c: 'help'}, {c: 'escape'}, {c: 'scroll', pages: 1}, {c: 'paneNext'}, {c: 'panePrev'}, {c: 'pane', index: 0});
  t.pass('commands without a pane are harmless');
});

const key = (over: Partial<Key> = {}): Key => ({
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false, ...over,
} as Key);

t.test('keymap', async (t) => {
  const pane = {focus: 'pane' as const};
  const list = {focus: 'chats' as const};
  t.same(keyToCommand('c', key({ctrl: true}), pane), {c: 'quit'});
  t.same(keyToCommand('y', key(), {...pane, overlay: 'confirm'}), {c: 'answer', yes: true});
  t.same(keyToCommand('x', key(), {...pane, overlay: 'confirm'}), {c: 'answer', yes: false});
  t.same(keyToCommand('', key({escape: true, meta: true}), pane), {c: 'escape'});
  t.same(keyToCommand('q', key(), {...list, overlay: 'help'}), {c: 'escape'});
  t.same(keyToCommand('', key({downArrow: true}), {...list, overlay: 'options'}), {c: 'down'});
  t.same(keyToCommand(' ', key(), {...list, overlay: 'options'}), {c: 'enter'});
  t.same(keyToCommand(' ', key(), {...list, overlay: 'options', editing: true}), {c: 'type', text: ' '}, 'typing a folder name');
  t.same(keyToCommand('', key({return: true}), {...list, overlay: 'options', editing: true}), {c: 'enter'});
  t.same(keyToCommand('', key({leftArrow: true}), {...list, overlay: 'options', editing: true}), {c: 'edit', edit: {op: 'left'}});
  t.same(keyToCommand('', key({tab: true}), list), {c: 'focusNext'});
  t.same(keyToCommand('', key({tab: true, shift: true}), list), {c: 'focusPrev'});
  t.same(keyToCommand('3', key({meta: true}), pane), {c: 'pane', index: 2});
  t.same(keyToCommand('', key({meta: true, leftArrow: true}), pane), {c: 'panePrev'});
  t.same(keyToCommand('', key({meta: true, rightArrow: true}), pane), {c: 'paneNext'});
  t.same(keyToCommand('l', key({meta: true}), pane), {c: 'leave'});
  t.same(keyToCommand('k', key({meta: true}), pane), {c: 'linkPrompt'});
  t.same(keyToCommand('B', key({meta: true, shift: true}), pane), {c: 'block'});
  t.same(keyToCommand('n', key({ctrl: true}), pane), {c: 'paneNext'});
  t.same(keyToCommand('', key({pageUp: true}), pane), {c: 'scroll', pages: 1});
  t.same(keyToCommand('', key({return: true}), pane), {c: 'enter'});
  t.same(keyToCommand('k', key(), list), {c: 'up'});
  t.same(keyToCommand('?', key(), list), {c: 'help'});
  t.same(keyToCommand('?', key(), pane), {c: 'type', text: '?'}, 'in the pane ? is text');
  t.same(keyToCommand('', key({backspace: true}), pane), {c: 'edit', edit: {op: 'backspace'}});
  t.same(keyToCommand('', key({delete: true}), pane), {c: 'edit', edit: {op: 'backspace'}}, 'DEL from the Backspace key');
  t.same(keyToCommand('d', key({ctrl: true}), pane), {c: 'edit', edit: {op: 'deleteForward'}});
  t.same(keyToCommand('u', key({ctrl: true}), pane), {c: 'edit', edit: {op: 'clear'}});
  t.same(keyToCommand('w', key({ctrl: true}), pane), {c: 'edit', edit: {op: 'deleteWord'}});
  t.same(keyToCommand('', key({leftArrow: true}), pane), {c: 'edit', edit: {op: 'left'}});
  t.same(keyToCommand('', key({leftArrow: true, meta: true}), pane), {c: 'panePrev'}, 'Alt+Left still switches panes');
  t.same(keyToCommand('', key({rightArrow: true}), pane), {c: 'edit', edit: {op: 'right'}});
  t.same(keyToCommand('', key({home: true}), pane), {c: 'edit', edit: {op: 'home'}});
  t.same(keyToCommand('e', key({ctrl: true}), pane), {c: 'edit', edit: {op: 'end'}});
  t.same(keyToCommand('a\r\nb', key(), pane), {c: 'type', text: 'a b'}, 'pasted newlines become spaces');
  t.equal(keyToCommand('z', key({ctrl: true}), pane), undefined);
  t.ok(isF1('\x1bOP'));
  t.notOk(isF1('P'));
});

t.test('a message with an address asks whether to push it as a link too', async (t) => {
  const h = withChat();
  h.do({c: 'enter'});
  h.hub({t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  h.type('see order.htm please');
  h.do({c: 'enter'});
  t.equal(h.state.overlay?.kind, 'confirm');
  t.match(h.state.overlay, {question: /Send order\.htm as a link/});
  t.notOk(h.sent.some((f) => f.t === 'msg'), 'nothing sent before the answer');
  h.do({c: 'answer', yes: true});
  t.match(h.sent.filter((f) => f.t === 'msg' || f.t === 'link.send'), [
    {t: 'msg', text: 'see order.htm please'},
    {t: 'link.send', chatId: 'c1', url: 'order.htm'},
  ]);
  h.type('https://example.com/a');
  h.do({c: 'enter'}, {c: 'answer', yes: false});
  t.match(h.sent.filter((f) => f.t === 'msg').at(-1), {text: 'https://example.com/a'});
  t.equal(h.sent.filter((f) => f.t === 'link.send').length, 1, '"no" sends it as text only');
});

t.test('Alt+D asks the hub for the visit and shows it; again hides it', async (t) => {
  const h = harness();
  h.hub({t: 'ready', me, hub: 'cac', operators: [], visitors: [], chats: [], messages: [], canned: []});
  h.hub({t: 'chat.requested', chat: chat('c1', {visitorId: 'v1'})});
  h.do({c: 'enter'});
  h.hub({t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  h.do({c: 'details'});
  t.same(h.sent.at(-1), {t: 'visitor.details', visitorId: 'v1'});
  t.equal(h.state.panes[0]!.showDetails, true);
  const visitor = {id: 'v1', site: 'example.com', ip: '1.2.3.4', browser: 'Firefox 130', os: 'Linux', pages: 2, since: NOW, online: true};
  const visit = {id: 'x', start: NOW, end: NOW, ip: '1.2.3.4', browser: 'Firefox 130', os: 'Linux', userAgent: 'ua', pages: [{url: 'https://example.com/', title: 'Home', at: NOW}]};
  h.hub({t: 'visitor.details', visitor, visit});
  t.same(h.state.visits.v1, visit);
  // The visitor moves on while the details are open: the page list follows, without asking.
  const asked = h.sent.length;
  const next = {url: 'https://example.com/pricing', title: 'Pricing', at: NOW + 5000};
  h.hub({t: 'visitor.updates', updates: [{t: 'visitor.update', visitor: {...visitor, pages: 2, page: next}}]});
  t.same(h.state.visits.v1!.pages.map((p) => p.title), ['Home', 'Pricing'], 'the new page is listed');
  h.hub({t: 'visitor.update', visitor: {...visitor, pages: 2, page: next, name: 'Vera'}});
  t.equal(h.state.visits.v1!.pages.length, 2, 'the same page is not listed twice');
  h.hub({t: 'visitor.update', visitor: {...visitor, since: NOW + 60_000, pages: 1, page: {...next, at: NOW + 60_000}}});
  t.equal(h.state.visits.v1!.pages.length, 2, 'a later visit is not mixed into this one');
  t.equal(h.sent.length, asked, 'nothing was asked of the hub');
  const sent = h.sent.length;
  h.do({c: 'details'});
  t.equal(h.state.panes[0]!.showDetails, false);
  t.equal(h.sent.length, sent, 'closing asks nothing');
});

t.test('/details in an operator chat says what it is for', async (t) => {
  const h = withChat();
  h.fx.dispatch({type: 'openOpChat', peer: 'bob', chatId: 'op~alice~bob'});
  h.do({c: 'details'});
  t.match(h.state.notice, /visit details are for visitor chats/);
});

t.test('the help scrolls where it does not fit, and not past its last page', async (t) => {
  const h = harness({...initialState('h', 'alice', defaultSettings, NOW), size: {cols: 80, rows: 14}});
  // 14 rows: 11 above the key bar, a title, so 10 rows of help at a time.
  const last = BINDINGS.filter((b) => !b.shown).length - 10;
  h.do({c: 'help'}, {c: 'down'}, {c: 'down'});
  t.same(h.state.overlay, {kind: 'help', top: 2});
  h.do({c: 'up'}, {c: 'up'}, {c: 'up'});
  t.same(h.state.overlay, {kind: 'help', top: 0});
  h.do({c: 'scroll', pages: -1});
  t.same(h.state.overlay, {kind: 'help', top: Math.min(last, 9)}, 'PgDn: a page on, keeping a row');
  h.do({c: 'scroll', pages: -1}, {c: 'scroll', pages: -1}, {c: 'down'});
  t.same(h.state.overlay, {kind: 'help', top: last});
  h.do({c: 'scroll', pages: 1});
  t.same(h.state.overlay, {kind: 'help', top: last - 9});
  h.do({c: 'escape'});
  t.notOk(h.state.overlay);
  const roomy = harness({...initialState('h', 'alice', defaultSettings, NOW), size: {cols: 80, rows: 40}});
  roomy.do({c: 'help'}, {c: 'down'});
  t.same(roomy.state.overlay, {kind: 'help', top: 0}, 'where it all fits: nothing to scroll');
});
