import {render} from 'ink-testing-library';
import stringWidth from 'string-width';
import t from 'tap';
import type {ChatSummary, OperatorSummary, VisitorSummary} from '../src/protocol/index.js';
import {ChatList} from '../src/client/components/ChatList.js';
import {ChatPane} from '../src/client/components/ChatPane.js';
import {Confirm} from '../src/client/components/Confirm.js';
import {HelpOverlay} from '../src/client/components/HelpOverlay.js';
import {KeyBar} from '../src/client/components/KeyBar.js';
import {ListBox} from '../src/client/components/ListBox.js';
import {OperatorList} from '../src/client/components/OperatorList.js';
import {OptionsScreen} from '../src/client/components/OptionsScreen.js';
import {Popup} from '../src/client/components/Popup.js';
import {Screen} from '../src/client/components/Screen.js';
import {StatusLine} from '../src/client/components/StatusLine.js';
import {Tabs} from '../src/client/components/Tabs.js';
import {VisitorList} from '../src/client/components/VisitorList.js';
import {helpRows} from '../src/client/help.js';
import {BINDINGS} from '../src/client/keymap.js';
import {reducer, initialState} from '../src/client/reducer.js';
import {defaultSettings, type Pane} from '../src/client/state.js';

const NOW = 10_000_000;
const frame = (el: React.ReactElement) => {
  const r = render(el);
  const out = r.lastFrame() ?? '';
  r.unmount();
  return out;
};
const visitor = (i: number, over: Partial<VisitorSummary> = {}): VisitorSummary => ({
  id: `v${String(i).padStart(5, '0')}abc`,
  site: 'example.com',
  ip: '1.2.3.4',
  browser: 'Chrome',
  os: 'Linux',
  pages: 1,
  since: NOW - i * 1000,
  online: true,
  page: {url: `https://example.com/p/${i}`, title: 't', at: NOW},
  ...over,
});

t.test('ListBox shows only the rows that fit, around the selection', async (t) => {
  const rows = Array.from({length: 1000}, (_, i) => `row ${i}`);
  const out = frame(<ListBox title="Things" rows={rows} selected={500} focused height={5} width={20} />);
  t.match(out, /Things \(1000\)/);
  t.match(out, /row 500/);
  t.notMatch(out, /row 0\n/);
  t.equal(out.split('\n').length, 5);
});

t.test('VisitorList: time on site, name or short id, page path, location; escapes neutralised', async (t) => {
  const out = frame(
    <VisitorList
      visitors={[visitor(1, {name: 'Vera\x1b[2J', location: 'Leeds'}), visitor(2)]}
      selected={0}
      focused={false}
      height={4}
      width={60}
      now={NOW}
    />,
  );
  t.match(out, /1s Vera␛\[2J \/p\/1 · Leeds/);
  t.match(out, /2s v00002 \/p\/2/);
  t.notOk(out.includes('\x1b[2J'));
});

t.test('VisitorList with a thousand visitors renders quickly', async (t) => {
  const visitors = Array.from({length: 1000}, (_, i) => visitor(i));
  const started = Date.now();
  const out = frame(<VisitorList visitors={visitors} selected={999} focused height={10} width={40} now={NOW} />);
  t.match(out, /Visitors \(1000\)/);
  t.ok(Date.now() - started < 2000, 'renders a window, not the whole list');
});

t.test('ChatList: waiting with wait time, mine, others with the owner', async (t) => {
  const chats: ChatSummary[] = [
    {id: 'a', kind: 'visitor', site: 'example.com', state: 'waiting', requestedAt: NOW - 65_000, lastSeq: 1},
    {id: 'b', kind: 'visitor', site: 'example.com', state: 'active', owner: 'alice', requestedAt: NOW, lastSeq: 1},
    {id: 'c', kind: 'visitor', site: 'example.com', state: 'active', owner: 'bob', requestedAt: NOW, lastSeq: 1},
  ];
  const out = frame(<ChatList chats={chats} titles={{a: 'Vera', b: 'Walt', c: 'Xena'}} me="alice" selected={0} focused height={5} width={50} now={NOW} />);
  t.match(out, /WAIT\s+1m Vera \(example.com\)/);
  t.match(out, /mine Walt/);
  t.match(out, /with Xena → bob/);
});

t.test('OperatorList: status and connection', async (t) => {
  const ops: OperatorSummary[] = [
    {name: 'bob', displayName: 'Bob', status: 'away', connected: true},
    {name: 'carol', displayName: 'Carol', status: 'online', connected: false},
  ];
  const out = frame(<OperatorList operators={ops} selected={0} focused={false} height={3} width={50} />);
  t.match(out, /● Bob \(bob\) away/);
  t.match(out, /○ Carol \(carol\) not connected/);
});

const pane = (over: Partial<Pane> = {}): Pane => ({
  chatId: 'c1',
  kind: 'visitor',
  events: [
    {seq: 1, at: NOW, kind: 'msg', from: 'visitor', name: 'Vera', text: 'hello'},
    {seq: 2, at: NOW, kind: 'join', from: 'operator', name: 'Alice', text: 'Alice joined the chat'},
    {seq: 3, at: NOW, kind: 'link', from: 'operator', name: 'Alice', text: 'https://example.com/x'},
  ],
  lastSeq: 3,
  pending: [{id: 'p', text: 'on its way', at: NOW}],
  unread: 0,
  scroll: 0,
  draft: 'typing this',
  ...over,
});

t.test('ChatPane: history with names, system lines, links, pending, typing preview, input', async (t) => {
  const out = frame(<ChatPane pane={pane({typing: {preview: 'where is\x07'}})} title="Vera" me="Alice" width={60} height={8} focused sneakPreview />);
  t.match(out, /\d\d:\d\d Vera: hello/);
  t.match(out, /-- Alice joined the chat --/);
  t.match(out, /Alice sent a link: https:\/\/example.com\/x/);
  t.match(out, /Alice: on its way \(sending…\)/);
  t.match(out, /Vera is typing: where is␇/);
  t.match(out, /> typing this█/);
  const noPreview = frame(<ChatPane pane={pane({typing: {preview: 'secret'}})} title="Vera" me="Alice" width={60} height={8} focused={false} sneakPreview={false} />);
  t.match(noPreview, /Vera is typing/);
  t.notMatch(noPreview, /secret/);
  const closed = frame(<ChatPane pane={pane({closed: 'Visitor has left the conversation'})} title="Vera" me="Alice" width={60} height={8} focused sneakPreview />);
  t.match(closed, /\[Visitor has left the conversation\]/);
});

t.test('ChatPane scrolls with long history and wraps long lines', async (t) => {
  const events = Array.from({length: 50}, (_, i) => ({seq: i + 1, at: NOW, kind: 'msg' as const, from: 'visitor' as const, name: 'Vera', text: `line ${i + 1}`}));
  const bottom = frame(<ChatPane pane={pane({events, pending: []})} title="Vera" me="Alice" width={40} height={6} focused sneakPreview />);
  t.match(bottom, /line 50/);
  const up = frame(<ChatPane pane={pane({events, pending: [], scroll: 10})} title="Vera" me="Alice" width={40} height={6} focused sneakPreview />);
  t.match(up, /line 40/);
  t.notMatch(up, /line 50/);
  t.match(up, /scrolled up 10 lines/);
  const long = frame(<ChatPane pane={pane({events: [{...events[0]!, text: 'word '.repeat(30)}], pending: []})} title="Vera" me="Alice" width={30} height={8} focused sneakPreview />);
  t.ok(long.split('\n').every((l) => l.length <= 30), 'no line wider than the pane');
});

t.test('Tabs, Popup, KeyBar, StatusLine, Confirm, HelpOverlay, OptionsScreen', async (t) => {
  t.match(frame(<Tabs tabs={[{title: 'Vera', unread: 0, closed: false}, {title: 'Walt', unread: 3, closed: false}]} active={0} width={60} />), /1 Vera\s+2 Walt \(3\)/);
  t.match(frame(<Tabs tabs={[]} active={0} width={60} />), /no chats open/);
  const popup = frame(<Popup visitor="Vera" site="example.com" firstText={'hi\x1b]0;x\x07'} more={2} width={60} />);
  t.match(popup, /Chat request: Vera on example.com\s+\(\+2 more\)/);
  t.match(popup, /"hi␛\]0;x␇"/);
  t.match(frame(<KeyBar bindings={BINDINGS.filter((b) => b.where.includes('pane'))} width={200} />), /Alt\+L leave/);
  const status = frame(<StatusLine conn={{status: 'disconnected', error: 'ECONNREFUSED', retryAt: NOW + 3000}} me={{name: 'alice', displayName: 'Alice', status: 'away', connected: true}} myName="alice" hub="http://hub" notice="hello" now={NOW} width={100} />);
  t.match(status, /○ disconnected \(retry in 3s\) ECONNREFUSED \| alice away \| http:\/\/hub \| hello/);
  t.match(frame(<StatusLine conn={{status: 'connected'}} myName="alice" hub="h" now={NOW} width={80} />), /● connected \| alice \? \| h/);
  t.match(frame(<Confirm question="Block? (y/N)" width={40} />), /Block\? \(y\/N\)/);
  const help = frame(<HelpOverlay width={120} height={30} />);
  for (const slash of ['/leave', '/end', '/block', '/status', '/help', '/link URL', '/msg NAME text', '/quit']) t.ok(help.includes(slash), `help lists ${slash}`);
  t.match(help, /F1 or \?/);
  // At 80x24 the overlay gets the 22 rows above the key bar and status line: every key must fit.
  // At 80x24 the overlay gets the 22 rows above the key bar and status line: every key is there,
  // on the first page or by scrolling.
  const small = frame(<HelpOverlay width={80} height={22} />) + frame(<HelpOverlay width={80} height={22} top={BINDINGS.length} />);
  for (const b of BINDINGS) t.ok(small.includes(b.keys), `at 80x24 help still lists ${b.keys}`);
  const options = frame(<OptionsScreen settings={defaultSettings} index={2} width={60} configPath="/x/config.json" />);
  t.match(options, /Desktop notifications\s+off/);
  t.match(options, /saved in \/x\/config.json/);
  const editing = frame(<OptionsScreen settings={defaultSettings} index={4} editing={{text: '/srv/chat', cursor: 9}} width={60} />);
  t.match(editing, /Default save folder\s+\/srv\/chat/);
  t.match(editing, /Enter keeps the folder, Esc cancels/);
});

t.test('Screen fits 80x24 and draws lists, tabs, popup, key bar and status line', async (t) => {
  let s = {...initialState('http://hub', 'alice', defaultSettings, NOW), size: {cols: 80, rows: 24}};
  s = reducer(s, {type: 'hub', frame: {t: 'ready', me: {name: 'alice', displayName: 'Alice', status: 'online', connected: true}, hub: 'cac', operators: [], visitors: [visitor(1)], chats: [], messages: [], canned: []}});
  s = reducer(s, {type: 'conn', status: 'connected'});
  s = reducer(s, {type: 'hub', frame: {t: 'chat.requested', chat: {id: 'c1', kind: 'visitor', site: 'example.com', visitorName: 'Vera', state: 'waiting', requestedAt: NOW, firstText: 'hello', lastSeq: 1}}});
  const out = frame(<Screen state={s} />);
  const lines = out.split('\n');
  t.ok(lines.length <= 23, 'one row short of the terminal');
  t.ok(lines.every((l) => l.length <= 80), 'nothing wider than 80 columns');
  t.match(out, /Visitors \(1\)/);
  t.match(out, /Chatting Visitors \(1\)/);
  t.match(out, /Other Operators \(0\)/);
  t.match(out, /Chat request: Vera on example.com/);
  t.match(out, /● connected \| alice on-line/);
  t.match(frame(<Screen state={{...s, overlay: {kind: 'help'}}} />), /Help: keys/);
  t.match(frame(<Screen state={{...s, overlay: {kind: 'options', index: 0}}} />), /Options/);
  t.match(frame(<Screen state={{...s, overlay: {kind: 'confirm', what: 'quit', question: 'Quit? (y/N)'}}} />), /Quit\? \(y\/N\)/);
  const big = frame(<Screen state={{...s, size: {cols: 160, rows: 50}}} />);
  t.ok(big.split('\n').length > 40, 'uses a big terminal');
});

t.test('a long draft scrolls sideways so the cursor stays in view', async (t) => {
  const long = 'The Brown Betty is back in stock and ships tomorrow morning from our workshop';
  const atEnd = render(<ChatPane pane={pane({draft: long})} title="Vera" me="alice" width={40} height={8} focused sneakPreview />);
  const endLine = atEnd.lastFrame()!.split('\n').at(-1)!;
  t.match(endLine, /workshop█/, 'the end of the message is what shows while typing at the end');
  t.notMatch(endLine, /The Brown/);
  t.ok(endLine.length <= 40);
  atEnd.unmount();
  const atStart = render(<ChatPane pane={pane({draft: long, cursor: 0})} title="Vera" me="alice" width={40} height={8} focused sneakPreview />);
  const startLine = atStart.lastFrame()!.split('\n').at(-1)!;
  t.match(startLine, /> .*he Brown Betty/, 'moved to the start, the start shows');
  t.notMatch(startLine, /workshop/);
  atStart.unmount();
});

t.test('a visitor pane shows the visit by itself, and in full when asked', async (t) => {
  const visitor = {
    id: 'v1', site: 'example.com', ip: '203.0.113.9', browser: 'Firefox 130', os: 'Windows 11', referrer: 'https://search.example/?q=x',
    page: {url: 'https://example.com/p', title: 'Teapots\x1b[31m', at: NOW}, pages: 12, since: NOW, online: true,
  };
  const summary = frame(<ChatPane pane={pane()} title="Vera" me="Alice" width={120} height={10} focused sneakPreview visitor={visitor} />);
  t.match(summary, /now: Teapots␛\[31m · 12 pages · from search\.example · Firefox 130 on Windows 11 · 203\.0\.113\.9/);
  const pages = Array.from({length: 12}, (_, i) => ({url: `https://example.com/${i}`, title: `Page ${i}`, at: NOW}));
  const visit = {id: 'x', start: NOW, end: NOW, ip: '203.0.113.9', browser: 'Firefox 130', os: 'Windows 11', userAgent: 'ua', pages};
  const full = frame(<ChatPane pane={pane({showDetails: true})} title="Vera" me="Alice" width={120} height={20} focused sneakPreview visitor={visitor} visit={visit} />);
  t.match(full, /Referrer: https:\/\/search\.example\/\?q=x/);
  t.match(full, /Pages viewed \(12, 6 older not shown\):/);
  t.match(full, /Page 11 {2}https:\/\/example\.com\/11/, 'the latest page is shown');
  t.notMatch(full, /Page 5 /, 'the oldest make room');
  t.match(full, /typing this/, 'the message line is still there');
});

const cells = (text: string) => stringWidth(text);
const NAME = '田中さん😀';
const QUESTION = 'こんにちは、配送について質問があります。東京まで何日かかりますか？😀';

t.test('wide names and messages are cut and wrapped by cells, not by characters', async (t) => {
  const list = frame(<VisitorList visitors={[visitor(1, {name: NAME.repeat(4), location: '東京'})]} selected={0} focused height={3} width={24} now={NOW} />);
  t.ok(list.split('\n').every((l) => cells(l) <= 24), 'the visitor list');
  t.match(list, /1s 田中さん😀田中さん…/);
  const chats = frame(<ChatList chats={[{id: 'a', kind: 'visitor', site: 'example.com', state: 'waiting', requestedAt: NOW, lastSeq: 1}]} titles={{a: NAME}} me="alice" selected={0} focused height={3} width={20} now={NOW} />);
  t.ok(chats.split('\n').every((l) => cells(l) <= 20), 'the chat list');
  const events = [{seq: 1, at: NOW, kind: 'msg' as const, from: 'visitor' as const, name: NAME, text: QUESTION}];
  const chatPane = frame(<ChatPane pane={pane({events, pending: [], draft: QUESTION.repeat(2), typing: {preview: QUESTION}})} title={NAME} me="Alice" width={30} height={10} focused sneakPreview />);
  t.ok(chatPane.split('\n').every((l) => cells(l) <= 30), 'the chat pane, its typing line and its message line');
  t.ok(chatPane.replace(/\n\s*/g, '').includes(`${NAME}: ${QUESTION}`), 'the message, whole over several lines');
  const tabs = frame(<Tabs tabs={Array.from({length: 6}, (_, i) => ({title: `${NAME}${i}`, unread: i, closed: false}))} active={5} width={40} />);
  t.ok(cells(tabs) <= 40, 'tabs');
  t.match(tabs, /6 田中さん😀5 \(5\)/, 'the active tab stays in view');
  t.notMatch(tabs, / 1 田中/, 'the first tabs make room for it');
  const popup = frame(<Popup visitor={NAME.repeat(5)} site="example.com" firstText={QUESTION} more={3} width={40} />);
  t.ok(popup.split('\n').every((l) => cells(l) <= 40), 'the popup');
  t.match(popup, /…\s+\(\+3 more\)/, 'the count of more requests stays');
  const status = frame(<StatusLine conn={{status: 'connected'}} myName="alice" hub="h" notice={`Offline message from ${NAME}: ${QUESTION}`} now={NOW} width={60} />);
  t.ok(cells(status) <= 60);
  t.match(status, /…$/);
  const confirm = frame(<Confirm question={`Send ${QUESTION} as a link? (y/N)`} width={40} />);
  t.equal(cells(confirm), 40);
  const options = frame(<OptionsScreen settings={{...defaultSettings, saveFolder: `/srv/${QUESTION}`}} index={4} width={50} />);
  t.ok(options.split('\n').every((l) => cells(l) <= 50), 'a wide save folder');
  const editing = frame(<OptionsScreen settings={defaultSettings} index={4} editing={{text: `/srv/${QUESTION}`, cursor: 3}} width={50} />);
  t.ok(editing.split('\n').every((l) => cells(l) <= 50), 'and while it is typed');
});

t.test('the help scrolls where it does not fit', async (t) => {
  // At 80 columns every row is whole: no description and no slash command is cut.
  for (const [i, row] of helpRows(BINDINGS, 80).entries()) {
    const b = BINDINGS[i]!;
    t.ok(row.includes(b.what) && (!b.slash || row.includes(`[${b.slash}]`)), `help row for ${b.keys} fits 80 columns`);
  }
  const narrow = helpRows(BINDINGS, 50);
  t.ok(narrow.every((row) => cells(row) <= 50));
  t.ok(narrow.some((row) => row.endsWith('[/status online|away|offline]')), 'a narrow help cuts the description, not the command');
  const scrolled = frame(<HelpOverlay width={80} height={8} top={3} />);
  t.match(scrolled, /Up\/Down: more \(4-10 of \d+\)/);
  t.match(scrolled, new RegExp(BINDINGS[3]!.what.replace(/[()]/g, '\\$&')));
  t.notMatch(scrolled, /start chatting/);
  const past = frame(<HelpOverlay width={80} height={8} top={99} />);
  t.match(past, new RegExp(`of ${BINDINGS.length}\\)`));
  t.match(past, /yes to a question/, 'scrolled past the end: the last page');
});

t.test('Screen at 80x24 with a Japanese visitor: every row fits', async (t) => {
  let s = {...initialState('http://hub', 'alice', defaultSettings, NOW), size: {cols: 80, rows: 24}};
  s = reducer(s, {type: 'hub', frame: {t: 'ready', me: {name: 'alice', displayName: 'Alice', status: 'online', connected: true}, hub: 'cac', operators: [], visitors: [visitor(1, {name: NAME})], chats: [], messages: [], canned: []}});
  s = reducer(s, {type: 'conn', status: 'connected'});
  s = reducer(s, {type: 'hub', frame: {t: 'chat.requested', chat: {id: 'c1', kind: 'visitor', site: 'example.com', visitorId: visitor(1).id, visitorName: NAME, state: 'waiting', requestedAt: NOW, firstText: QUESTION, lastSeq: 1}}});
  const waiting = frame(<Screen state={s} />);
  t.ok(waiting.split('\n').every((l) => cells(l) <= 80), 'with the popup');
  s = reducer(s, {type: 'hub', frame: {t: 'chat.assigned', chatId: 'c1', operator: 'alice'}});
  s = reducer(s, {type: 'hub', frame: {t: 'ev', chatId: 'c1', e: {seq: 2, at: NOW, kind: 'msg', from: 'visitor', name: NAME, text: QUESTION.repeat(3)}}});
  const chatting = frame(<Screen state={s} />);
  t.ok(chatting.split('\n').every((l) => cells(l) <= 80), 'with the chat');
  t.ok(chatting.split('\n').length <= 23);
  t.match(chatting, /mine 田中さん😀/);
  // Every page of the help, as Up/Down/PgDn scroll it: each row of every page fits.
  const pages = Array.from({length: Math.ceil(BINDINGS.length / 10) + 1}, (_, i) => frame(<Screen state={{...s, overlay: {kind: 'help', top: i * 10}}} />));
  const help = pages.join('\n');
  const shown = BINDINGS.filter((b) => !b.shown);
  t.ok(shown.length >= BINDINGS.length - 2, 'only the keys that depend on the moment are hidden');
  for (const b of shown) t.ok(help.includes(b.what), `the help at 80x24 shows ${b.keys}: ${b.what}`);
  t.ok(pages.every((p) => p.split('\n').every((l) => cells(l) <= 80)), 'every page fits');
});
