import t from 'tap';
import {mkdtemp, readFile, readdir, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {simpleParser} from 'mailparser';
import type {HubToOperator, OperatorToHub} from '../src/protocol/index.js';
import {run, type Effects} from '../src/client/commands.js';
import {keyToCommand, type Command} from '../src/client/keymap.js';
import {reducer, initialState, type Action, type State} from '../src/client/reducer.js';
import {defaultSettings} from '../src/client/state.js';
import {OPTIONS} from '../src/client/options.js';
import {canOpen, expandFolder, osc52, Tasks, type ExportFrame, type Task, type TaskIo} from '../src/client/tasks.js';

const NOW = Date.UTC(2026, 2, 29, 10, 0);
const me = {name: 'alice', displayName: 'Alice', status: 'online' as const, connected: true};
const chat = {id: 'c1', kind: 'visitor' as const, site: 'example.com', visitorName: 'Vera', state: 'active' as const, owner: 'alice', requestedAt: NOW, firstText: 'hi', lastSeq: 1};
const team = {id: 'k1', by: 'bob', shortcut: 'hello', text: 'Hello {visitor}, {operator} of {site} here'};
const mine = {id: 'k2', owner: 'alice', by: 'alice', shortcut: '#bye', text: 'Goodbye!'};
const left = {id: 'm1', site: 'example.com', visitorId: 'v1', name: 'Walt', email: 'walt@example.org', text: 'Call me back', at: NOW};

function harness() {
  let state: State = initialState('h', 'alice', defaultSettings, NOW);
  const sent: OperatorToHub[] = [];
  const tasks: Task[] = [];
  let n = 0;
  const fx: Effects = {
    send: (frame) => (sent.push(frame), true),
    dispatch: (action: Action) => {
      state = reducer(state, action);
    },
    saveSettings: () => {},
    newId: () => `id-${++n}`,
    task: (task) => tasks.push(task),
  };
  const h = {
    fx,
    sent,
    tasks,
    get state() {
      return state;
    },
    hub(frame: HubToOperator) {
      state = reducer(state, {type: 'hub', frame});
    },
    do(...commands: Command[]) {
      for (const c of commands) run(state, c, fx);
    },
    type(text: string) {
      for (const ch of text) run(state, {c: 'type', text: ch}, fx);
    },
    key(input: string, meta = false) {
      const k = {meta, return: input === '\r', escape: false, tab: input === '\t'} as never;
      const o = state.overlay;
      const command = keyToCommand(input === '\r' || input === '\t' ? '' : input, k, {focus: state.focus, overlay: o?.kind, editing: o?.kind === 'options' && Boolean(o.editing)});
      if (command) run(state, command, fx);
    },
  };
  h.hub({t: 'ready', me, hub: 'cac', operators: [], visitors: [], chats: [chat], messages: [left], canned: [team, mine]});
  return h;
}

t.test('the reducer keeps the canned list and the inbox current', async (t) => {
  const h = harness();
  t.same(h.state.canned, [team, mine]);
  t.same(h.state.messages, [left]);
  h.hub({t: 'canned.list', canned: [team]});
  t.same(h.state.canned, [team]);
  const other = {...left, id: 'm2', name: undefined, text: 'another'};
  h.hub({t: 'offline.message', message: other});
  h.hub({t: 'offline.message', message: other});
  t.equal(h.state.messages.length, 2, 'a message comes once');
  t.match(h.state.notice, /Offline message from a visitor: another/);
  h.hub({t: 'message.done', id: 'm1'});
  t.same(h.state.messages.map((m) => m.id), ['m2']);
});

t.test('canned menu: filter, insert with placeholders, add the current text, #shortcut Tab', async (t) => {
  const h = harness();
  t.equal(h.state.panes.length, 1, 'my active chat reopened');
  h.fx.dispatch({type: 'closePane', chatId: 'c1'});
  h.do({c: 'canned', filter: ''});
  t.match(h.state.notice, /open a chat first/, 'no pane: nothing to put it on');
  h.fx.dispatch({type: 'openChat', chatId: 'c1'});
  h.do({c: 'canned', filter: ''});
  t.same(h.state.overlay, {kind: 'canned', filter: {text: '', cursor: 0}, index: 1});
  h.type('GOOD');
  t.equal(h.state.overlay?.kind === 'canned' && h.state.overlay.index, 1);
  h.do({c: 'up'}, {c: 'up'});
  t.equal(h.state.overlay?.kind === 'canned' && h.state.overlay.index, 0, 'row 0: add current text');
  h.do({c: 'down'}, {c: 'down'}, {c: 'down'});
  t.equal(h.state.overlay?.kind === 'canned' && h.state.overlay.index, 1, 'one match: no further');
  h.do({c: 'edit', edit: {op: 'clear'}}, {c: 'enter'});
  t.notOk(h.state.overlay);
  t.equal(h.state.panes[0]!.draft, 'Hello Vera, Alice of example.com here');
  h.type(' x');
  h.do({c: 'canned', filter: 'nothing such'}, {c: 'enter'});
  t.same(h.state.overlay?.kind, 'ask', 'no match: Enter adds the line');
  t.match(h.state.overlay?.kind === 'ask' && h.state.overlay.question, /Shortcut/);
  h.do({c: 'enter'});
  t.match(h.state.overlay?.kind === 'ask' && h.state.overlay.question, /A shortcut, please/, 'a shortcut is needed');
  h.type('#hx');
  h.do({c: 'enter'});
  t.match(h.state.overlay?.kind === 'ask' && h.state.overlay.question, /team or only you/);
  h.type('team');
  h.do({c: 'enter'});
  t.same(h.sent.at(-1), {t: 'canned.add', shortcut: 'hx', text: 'Hello Vera, Alice of example.com here x', team: true});
  t.match(h.state.notice, /^adding #hx for the team/, 'sent, not yet stored');
  // Stored: the hub lists it (another operator's new one is no news of ours).
  const hx = {id: 'k9', by: 'alice', shortcut: 'hx', text: 'Hello Vera, Alice of example.com here x'};
  h.hub({t: 'canned.list', canned: [...h.state.canned, {id: 'k8', by: 'bob', shortcut: 'b', text: 'b'}]});
  t.match(h.state.notice, /^adding #hx/, 'a list without it says nothing of it');
  h.hub({t: 'canned.list', canned: [...h.state.canned, hx]});
  t.equal(h.state.notice, 'added #hx for the team', 'once listed by the hub, it was added');

  h.fx.dispatch({type: 'draft', text: ''});
  h.do({c: 'canned', filter: ''}, {c: 'up'}, {c: 'enter'});
  t.match(h.state.notice, /type the response on the message line first/);
  t.notOk(h.state.overlay);

  h.fx.dispatch({type: 'draft', text: 'so #BYE'});
  h.do({c: 'focusNext'});
  t.equal(h.state.panes[0]!.draft, 'so Goodbye!');
  t.equal(h.state.focus, 'pane', 'Tab expanded rather than moved');
  h.fx.dispatch({type: 'draft', text: 'no#bye'});
  h.do({c: 'focusNext'});
  t.equal(h.state.focus, 'visitors', 'nothing to expand: Tab moves on');
});

t.test('options screen: canned rows are edited and removed; Alt+R keys act in the menu', async (t) => {
  const h = harness();
  h.do({c: 'options'});
  for (let i = 0; i < OPTIONS.length + 5; i++) h.do({c: 'down'});
  t.equal(h.state.overlay?.kind === 'options' && h.state.overlay.index, OPTIONS.length + 2, 'down to "add a response"');
  h.do({c: 'enter'});
  t.match(h.state.overlay?.kind === 'ask' && h.state.overlay.question, /New response text/);
  h.do({c: 'enter'});
  t.notOk(h.state.overlay, 'no text: nothing added');
  h.do({c: 'options'});
  for (let i = 0; i < OPTIONS.length + 2; i++) h.do({c: 'down'});
  h.do({c: 'enter'});
  h.type('My new one');
  h.do({c: 'enter'});
  t.match(h.state.overlay?.kind === 'ask' && h.state.overlay.question, /Shortcut/);
  h.do({c: 'escape'});
  t.notOk(h.state.overlay);

  h.do({c: 'options'});
  for (let i = 0; i < OPTIONS.length; i++) h.do({c: 'down'});
  h.do({c: 'enter'});
  t.equal(h.state.overlay?.kind === 'ask' && h.state.overlay.line.text, 'hello', 'the shortcut, to change');
  h.do({c: 'edit', edit: {op: 'clear'}});
  h.type('hi');
  h.do({c: 'enter'});
  t.equal(h.state.overlay?.kind === 'ask' && h.state.overlay.line.text, team.text, 'then the text');
  h.type('!');
  h.do({c: 'enter'});
  t.same(h.sent.at(-1), {t: 'canned.edit', id: 'k1', shortcut: 'hi', text: `${team.text}!`});

  h.do({c: 'options'});
  h.do({c: 'delete'});
  t.equal(h.state.overlay?.kind, 'options', 'd on a setting does nothing');
  for (let i = 0; i < OPTIONS.length + 1; i++) h.do({c: 'down'});
  h.do({c: 'delete'});
  t.match(h.state.overlay?.kind === 'confirm' && h.state.overlay.question, /Remove #bye\? \(y\/N\)/);
  h.do({c: 'answer', yes: false});
  t.equal(h.state.overlay?.kind, 'options');
  t.notSame(h.sent.at(-1), {t: 'canned.remove', id: 'k2'});
  h.do({c: 'down'}, {c: 'delete'}, {c: 'answer', yes: true});
  t.same(h.sent.at(-1), {t: 'canned.remove', id: 'k2'});

  const keys = harness();
  keys.do({c: 'pane', index: 0});
  keys.key('r', true);
  t.equal(keys.state.overlay?.kind, 'canned', 'Alt+R');
  keys.key('g');
  t.equal(keys.state.overlay?.kind === 'canned' && keys.state.overlay.filter.text, 'g', 'letters filter');
  keys.key('\r');
  t.equal(keys.state.panes[0]!.draft, 'Goodbye!', 'Enter takes the first match');
});

t.test('save, e-mail and copy ask for the export with what to do next', async (t) => {
  const h = harness();
  h.fx.dispatch({type: 'closePane', chatId: 'c1'});
  h.do({c: 'copy'});
  t.match(h.state.notice, /open a chat pane first/);
  h.fx.dispatch({type: 'openChat', chatId: 'c1'});
  h.do({c: 'copy'}, {c: 'email', to: ''}, {c: 'email', to: ' x@example.org '});
  h.do({c: 'save', arg: 'txt'}, {c: 'save', arg: 'notes.txt'}, {c: 'save', arg: 'html ~/a b.html'});
  t.same(h.tasks, [
    {t: 'export', chatId: 'c1', then: {do: 'copy'}},
    {t: 'export', chatId: 'c1', then: {do: 'email'}},
    {t: 'export', chatId: 'c1', then: {do: 'email', to: 'x@example.org'}},
    {t: 'export', chatId: 'c1', then: {do: 'save', format: 'txt'}},
    {t: 'export', chatId: 'c1', then: {do: 'save', format: 'txt', path: 'notes.txt'}},
    {t: 'export', chatId: 'c1', then: {do: 'save', format: 'html', path: '~/a b.html'}},
  ]);
  h.tasks.length = 0;
  h.do({c: 'save', arg: ''});
  t.match(h.state.overlay?.kind === 'ask' && h.state.overlay.question, /html or txt/);
  h.type('pdf');
  h.do({c: 'enter'});
  t.equal(h.state.overlay?.kind === 'ask' && h.state.overlay.line.text, 'pdf', 'asked again');
  h.do({c: 'edit', edit: {op: 'clear'}}, {c: 'enter'});
  t.same(h.tasks, [{t: 'export', chatId: 'c1', then: {do: 'save', format: 'html'}}], 'Enter: HTML');
  h.fx.dispatch({type: 'overlay', overlay: {kind: 'ask', question: 'Save to', line: {text: '', cursor: 0}, step: {s: 'savePath', chatId: 'c1', format: 'txt'}}});
  h.do({c: 'enter'});
  t.equal(h.tasks.length, 1, 'no path: nothing saved');
  h.fx.dispatch({type: 'overlay', overlay: {kind: 'ask', question: 'Save to', line: {text: '/tmp/x.txt', cursor: 0}, step: {s: 'savePath', chatId: 'c1', format: 'txt'}}});
  h.do({c: 'enter'});
  t.same(h.tasks.at(-1), {t: 'save', chatId: 'c1', format: 'txt', path: '/tmp/x.txt'});
  h.fx.dispatch({type: 'overlay', overlay: {kind: 'confirm', what: 'overwrite', question: '?', chatId: 'c1', format: 'txt', path: '/tmp/x.txt'}});
  h.do({c: 'answer', yes: false});
  t.match(h.state.notice, /not saved: \/tmp\/x.txt is kept/);
  h.fx.dispatch({type: 'overlay', overlay: {kind: 'confirm', what: 'overwrite', question: '?', chatId: 'c1', format: 'txt', path: '/tmp/x.txt'}});
  h.do({c: 'answer', yes: true});
  t.same(h.tasks.at(-1), {t: 'save', chatId: 'c1', format: 'txt', path: '/tmp/x.txt', overwrite: true});
});

t.test('the inbox: Enter replies, d marks done', async (t) => {
  const h = harness();
  h.hub({t: 'offline.message', message: {...left, id: 'm2'}});
  h.do({c: 'messages'}, {c: 'down'}, {c: 'down'});
  t.same(h.state.overlay, {kind: 'messages', index: 1});
  h.do({c: 'up'}, {c: 'enter'});
  t.same(h.tasks, [{t: 'reply', message: left}]);
  h.do({c: 'down'}, {c: 'delete'});
  t.same(h.sent.at(-1), {t: 'message.done', id: 'm2'});
  t.same(h.state.overlay, {kind: 'messages', index: 0}, 'the selection stays on a message');
  h.hub({t: 'message.done', id: 'm2'});
  h.do({c: 'delete'});
  t.same(h.sent.at(-1), {t: 'message.done', id: 'm1'});
  h.hub({t: 'message.done', id: 'm1'});
  h.do({c: 'delete'}, {c: 'enter'});
  t.equal(h.sent.length, 2, 'nothing left to act on');
  t.equal(h.tasks.length, 1);
});

const exported: ExportFrame = {
  t: 'chat.export',
  chat: {id: 'c1', kind: 'visitor', site: 'example.com', visitorName: '../../Vera', visitorEmail: 'vera@example.org', state: 'ended', operators: ['alice'], requestedAt: NOW},
  events: [
    {seq: 1, at: NOW, kind: 'msg', from: 'visitor', name: 'Vera', text: '<script>alert(1)</script>'},
    {seq: 2, at: NOW + 1000, kind: 'msg', from: 'operator', name: 'Alice', text: 'second'},
    {seq: 3, at: NOW + 2000, kind: 'note', from: 'operator', name: 'Alice', text: 'private note', priv: true},
  ],
  site: {domain: 'example.com', timezone: 'UTC'},
  operators: {alice: 'Alice'},
};

async function tasksHarness(env: Record<string, string | undefined> = {}, platform = 'linux') {
  const home = await mkdtemp(join(tmpdir(), 'cac-tasks-'));
  const h = harness();
  h.fx.dispatch({type: 'settings', settings: {...defaultSettings, saveFolder: '~/chats'}});
  const sent: OperatorToHub[] = [];
  const opened: string[] = [];
  const copied: string[] = [];
  const terminal: string[] = [];
  let connected = true;
  const io: TaskIo = {
    home,
    env,
    platform,
    open: async (path) => {
      if (path.includes('reply')) throw new Error('no opener');
      opened.push(path);
    },
    copy: async (text) => {
      if (env.NOCLIP) throw new Error('no clipboard');
      copied.push(text);
    },
    terminal: (data) => terminal.push(data),
  };
  const tasks = new Tasks({send: (f) => (sent.push(f), connected), dispatch: h.fx.dispatch, getState: () => h.state, io});
  return {home, h, tasks, sent, opened, copied, terminal, offline: () => (connected = false)};
}

t.test('tasks: save asks the path in the save folder, never overwrites unasked', async (t) => {
  const x = await tasksHarness();
  await x.tasks.run({t: 'save', chatId: 'c1', format: 'txt', path: 'x.txt'});
  t.match(x.h.state.notice, /no longer at hand/);
  await x.tasks.run({t: 'export', chatId: 'c1', then: {do: 'save', format: 'html'}});
  t.same(x.sent, [{t: 'chat.export', chatId: 'c1'}]);
  await x.tasks.onFrame({t: 'pong'});
  await x.tasks.onFrame(exported);
  const o = x.h.state.overlay;
  const folder = join(x.home, 'chats');
  t.equal(o?.kind === 'ask' && o.line.text, join(folder, 'chat-example.com-2026-03-29-Vera.html'), 'a safe name in the save folder');
  x.h.do({c: 'enter'});
  const task = x.h.tasks.at(-1)!;
  await x.tasks.run(task);
  t.equal(x.h.state.notice, `saved to ${join(folder, 'chat-example.com-2026-03-29-Vera.html')}`);
  const html = await readFile(join(folder, 'chat-example.com-2026-03-29-Vera.html'), 'utf8');
  t.match(html, '&lt;script&gt;alert(1)&lt;/script&gt;');
  t.notMatch(html, '<script>alert(1)');

  await x.tasks.run(task);
  t.match(x.h.state.overlay?.kind === 'confirm' && x.h.state.overlay.question, /exists: overwrite it\? \(y\/N\)/);
  await writeFile(join(folder, 'chat-example.com-2026-03-29-Vera.html'), 'mine');
  await x.tasks.run({...(task as Extract<Task, {t: 'save'}>), overwrite: true});
  t.match(await readFile(join(folder, 'chat-example.com-2026-03-29-Vera.html'), 'utf8'), /^<!DOCTYPE html>/i);

  await x.tasks.run({t: 'export', chatId: 'c1', then: {do: 'save', format: 'txt', path: '~/t.txt'}});
  await x.tasks.onFrame(exported);
  const text = await readFile(join(x.home, 't.txt'), 'utf8');
  t.ok(text.indexOf('<script>alert(1)</script>') < text.indexOf('second'), 'every message, in order');

  await x.tasks.run({t: 'save', chatId: 'c1', format: 'txt', path: join(x.home, 't.txt', 'below-a-file.txt')});
  t.match(x.h.state.notice, /^failed: /);
  x.offline();
  await x.tasks.run({t: 'export', chatId: 'c1', then: {do: 'copy'}});
  t.match(x.h.state.notice, /not connected/);
  t.equal(expandFolder('~', '/h'), '/h');
  t.equal(expandFolder('docs', '/h'), '/h/docs');
  t.equal(expandFolder('/srv/x', '/h'), '/srv/x');
});

t.test('tasks: the e-mail draft, opened or its path told; replies to left messages', async (t) => {
  const x = await tasksHarness({DISPLAY: ':0'});
  await x.tasks.run({t: 'export', chatId: 'c1', then: {do: 'email'}});
  await x.tasks.run({t: 'export', chatId: 'c1', then: {do: 'email', to: 'boss@example.org'}});
  await x.tasks.onFrame(exported);
  const folder = join(x.home, 'chats');
  t.same((await readdir(folder)).sort(), ['chat-example.com-2026-03-29-Vera-2.eml', 'chat-example.com-2026-03-29-Vera.eml']);
  t.equal(x.opened.length, 2, 'both opened in the mail program');
  const mail = await simpleParser(await readFile(join(folder, 'chat-example.com-2026-03-29-Vera.eml')));
  const other = await simpleParser(await readFile(join(folder, 'chat-example.com-2026-03-29-Vera-2.eml')));
  const tos = [mail, other].map((m) => (Array.isArray(m.to) ? '' : m.to?.text)).sort();
  t.ok(tos.includes('boss@example.org'), 'to the address given');
  t.ok(tos.some((to) => /<vera@example.org>/.test(to ?? '')), 'or to the visitor');
  t.match(mail.subject, /Chat with .* on example.com, 2026-03-29/);
  t.ok(mail.html && mail.text, 'HTML and text parts');
  t.equal(mail.headers.get('x-unsent'), '1');
  t.notMatch(mail.text, /private note/, 'the visitor\'s copy has no operator notes');

  await x.tasks.run({t: 'reply', message: left});
  t.match(x.h.state.notice, /reply-example.com-Walt.eml \(no mail program opened it: no opener\)/);
  const reply = await simpleParser(await readFile(join(folder, 'reply-example.com-Walt.eml')));
  t.match(reply.text, /> Call me back/);

  const ssh = await tasksHarness({SSH_CONNECTION: '1 2 3 4', DISPLAY: ':0'});
  await ssh.tasks.run({t: 'export', chatId: 'c1', then: {do: 'email'}});
  await ssh.tasks.onFrame(exported);
  t.equal(ssh.opened.length, 0);
  t.match(ssh.h.state.notice, /e-mail draft written to .*chat-example.com-2026-03-29-Vera.eml: open it in your mail program/);
  t.notOk(canOpen({env: {}, platform: 'linux'}), 'no desktop');
  t.ok(canOpen({env: {}, platform: 'darwin'}));
});

t.test('tasks: copy to the clipboard, and through the terminal over SSH', async (t) => {
  const x = await tasksHarness();
  await x.tasks.run({t: 'export', chatId: 'c1', then: {do: 'copy'}});
  await x.tasks.onFrame(exported);
  t.match(x.copied[0], /<script>alert\(1\)<\/script>/);
  t.same(x.terminal, []);
  t.match(x.h.state.notice, /copied the transcript \(\d+ lines\)$/);
  const ssh = await tasksHarness({SSH_TTY: '/dev/pts/1', NOCLIP: '1'});
  await ssh.tasks.run({t: 'export', chatId: 'c1', then: {do: 'copy'}});
  await ssh.tasks.onFrame(exported);
  t.equal(ssh.terminal.length, 1);
  t.equal(osc52('x'), '\x1b]52;c;eA==\x07');
  t.match(Buffer.from(ssh.terminal[0]!.slice(7, -1), 'base64').toString(), /<script>alert\(1\)<\/script>/);
  t.match(ssh.h.state.notice, /through the terminal/);
  const none = await tasksHarness({NOCLIP: '1'});
  await none.tasks.run({t: 'export', chatId: 'c1', then: {do: 'copy'}});
  await none.tasks.onFrame(exported);
  t.match(none.h.state.notice, /could not copy: no clipboard/);
});
