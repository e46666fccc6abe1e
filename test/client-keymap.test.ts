import {readFileSync} from 'node:fs';
import type {Key} from 'ink';
import t from 'tap';
import {
  BINDINGS,
  barBindings,
  barLabel,
  helpBindings,
  keysIn,
  keysMarkdown,
  keyToCommand,
  parseKey,
  scopeOf,
  slashBinding,
  slashCommand,
  splitLines,
  type Binding,
  type Scope,
} from '../src/client/keymap.js';
import {initialState} from '../src/client/state.js';

const plain = {return: false, ctrl: false, meta: false} as Key;

t.test('text and Enter arriving in one chunk are typed and then sent', async (t) => {
  const parts = splitLines('Yes, we have three left\r', plain);
  const commands = parts.map(([input, key]) => keyToCommand(input, key, {focus: 'pane'}));
  t.same(commands, [{c: 'type', text: 'Yes, we have three left'}, {c: 'enter'}]);
  const lines = splitLines('one\r\ntwo\nthree', plain).map(([input, key]) => keyToCommand(input, key, {focus: 'pane'}));
  t.same(lines, [{c: 'type', text: 'one'}, {c: 'enter'}, {c: 'type', text: 'two'}, {c: 'enter'}, {c: 'type', text: 'three'}]);
  t.same(splitLines('abc', plain), [['abc', plain]], 'a chunk without a line break is left alone');
  t.same(splitLines('\r', plain), [['\r', plain]], 'a lone Enter is ink\'s own');
});

const press = (over: Partial<Key> & {f1?: boolean} = {}) => ({...plain, upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, escape: false, shift: false, tab: false, backspace: false, delete: false, ...over}) as Key;
const scopes: Scope[] = ['visitors', 'chats', 'operators', 'pane', 'help', 'options', 'editing', 'confirm'];

t.test('the README\'s key table is the one the client dispatches with', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = /<!-- keys:start[^>]*-->\n([\s\S]*?)\n<!-- keys:end -->/.exec(readme)?.[1];
  t.ok(section, 'README.md has the marked key table');
  const expected = keysMarkdown();
  if (section !== expected) console.error(`README.md's key table should read (node scripts/keys-table.js --write puts it there):\n${expected}`);
  t.equal(section, expected);
  t.match(expected, /\| Alt\+T \| .* \| `\/status online\\\|away\\\|offline` \|/, 'pipes in a cell are escaped');
});

t.test('no key is bound twice where it acts; every key parses; every slash command finds its row', async (t) => {
  for (const scope of scopes) {
    const specs = keysIn(scope);
    t.same(specs.filter((s, i) => specs.indexOf(s) !== i), [], `${scope}: each key once`);
  }
  t.throws(() => parseKey('M-nonsense'), /unknown key/);
  for (const b of BINDINGS.filter((b) => b.slash)) t.equal(slashBinding(b.slash!.slice(1).split(' ')[0]!), b, `${b.slash} is ${b.keys}`);
  t.equal(slashBinding('frobnicate'), undefined);
  t.same(slashCommand(slashBinding('leave')!, ''), {c: 'leave'}, '/leave does what Alt+L does');
  t.same(slashCommand(slashBinding('msg')!, 'bob are you there?'), {c: 'msg', to: 'bob', text: 'are you there?'});
  t.same(slashCommand(slashBinding('link')!, 'order.htm'), {c: 'link', url: 'order.htm'});
  t.same(slashCommand(slashBinding('status')!, 'away'), {c: 'setStatus', status: 'away'});
});

t.test('dispatch is a lookup: the key with more modifiers wins, wherever it sits in the table', async (t) => {
  const pane = {focus: 'pane' as const};
  t.same(keyToCommand('d', press({ctrl: true, meta: true}), pane), {c: 'details'}, 'Alt before Ctrl');
  t.same(keyToCommand('', press({leftArrow: true, ctrl: true}), pane), {c: 'edit', edit: {op: 'wordLeft'}}, 'Ctrl before plain');
  t.same(keyToCommand('', press({leftArrow: true, ctrl: true, meta: true}), pane), {c: 'panePrev'});
  t.same(keyToCommand('', press({delete: true, meta: true}), pane), {c: 'edit', edit: {op: 'deleteWord'}});
  t.same(keyToCommand('', press({tab: true, shift: true}), pane), {c: 'focusPrev'});
  t.same(keyToCommand('k', press({ctrl: true}), {focus: 'chats'}), {c: 'up'}, 'Ctrl+K on a list is k, as before');
  t.same(keyToCommand('', press({f1: true}), pane), {c: 'help'}, 'F1 goes through the table too');
  t.same(keyToCommand('', press({f1: true}), {focus: 'pane', overlay: 'options', editing: true}), {c: 'help'});
  t.same(keyToCommand('', press({f1: true}), {focus: 'pane', overlay: 'confirm'}), {c: 'answer', yes: false}, 'any other key answers no');
  t.same(keyToCommand('c', press({ctrl: true}), {focus: 'pane', overlay: 'confirm'}), {c: 'answer', yes: false});
  t.same(keyToCommand('Y', press({shift: true}), {focus: 'pane', overlay: 'confirm'}), {c: 'answer', yes: true});
  t.same(keyToCommand('c', press({ctrl: true}), {focus: 'pane', overlay: 'help'}), {c: 'quit'});
  t.same(keyToCommand('?', plain, {focus: 'pane', overlay: 'help'}), {c: 'escape'});
  t.same(keyToCommand('j', plain, {focus: 'pane', overlay: 'help'}), {c: 'down'}, 'the help scrolls');
  t.same(keyToCommand('', press({pageDown: true}), {focus: 'pane', overlay: 'help'}), {c: 'scroll', pages: -1});
  t.equal(keyToCommand('x', plain, {focus: 'pane', overlay: 'help'}), undefined);
  t.same(keyToCommand('q', plain, {focus: 'chats', overlay: 'options'}), {c: 'escape'});
  t.same(keyToCommand('q', plain, {focus: 'chats', overlay: 'options', editing: true}), {c: 'type', text: 'q'});
  t.equal(keyToCommand('', press({tab: true}), {focus: 'chats', overlay: 'options'}), undefined);
  t.equal(keyToCommand('z', press({meta: true}), pane), undefined, 'an unbound Alt key types nothing');
  t.equal(scopeOf({focus: 'chats', overlay: 'options', editing: true}), 'editing');
});

t.test('a new key is one row: it dispatches, shows in the help and key bar when its predicate holds, and reaches the README', async (t) => {
  // A made-up Alt+G, shown only while a predicate holds (as Alt+H is, for a visitor who chatted before).
  const history: Binding = {
    keys: 'Alt+G',
    what: 'earlier chats with this visitor',
    slash: '/gather',
    in: ['visitors', 'chats', 'operators', 'pane'],
    on: [{key: 'M-g', run: {c: 'details'}}],
    where: ['pane'],
    shown: (state) => state.notice === 'has history',
  };
  const table = [...BINDINGS, history];
  const state = initialState('h', 'alice');
  t.same(keyToCommand('g', press({meta: true}), {focus: 'pane'}, table), {c: 'details'});
  t.equal(keyToCommand('g', press({meta: true}), {focus: 'pane'}), undefined, 'the real table has no Alt+G');
  t.notOk(helpBindings(state, table).includes(history), 'hidden while the predicate is false');
  t.notOk(barBindings(state, 'pane', table).includes(history));
  const withHistory = {...state, notice: 'has history'};
  t.ok(helpBindings(withHistory, table).includes(history));
  t.ok(barBindings(withHistory, 'pane', table).includes(history));
  t.notOk(barBindings(withHistory, 'chats', table).includes(history), 'the key bar shows it only where it says');
  t.equal(slashBinding('gather', table), history);
  t.match(keysMarkdown(table), /\| Alt\+G \| earlier chats with this visitor \| `\/gather` \|/);
  t.equal(barLabel(history), 'earlier');
  t.same(helpBindings(), BINDINGS, 'without a state the help lists every row');
});
