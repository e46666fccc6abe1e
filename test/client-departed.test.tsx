import {render} from 'ink-testing-library';
import t from 'tap';
import type {ChatSummary, HubToOperator, OperatorToHub, VisitorSummary} from '../src/protocol/index.js';
import {run, type Effects} from '../src/client/commands.js';
import {Screen} from '../src/client/components/Screen.js';
import type {Command} from '../src/client/keymap.js';
import {chattedBefore, contextVisitorId} from '../src/client/people.js';
import {reducer, initialState, type State} from '../src/client/reducer.js';
import {chatTitle, listLength, paneVisitorId, visitorLabel, visitorOf} from '../src/client/selectors.js';
import {defaultSettings} from '../src/client/state.js';
import {fillCanned} from '../src/client/tools.js';

/*
 * The manual's chat window stays once the visitor has left ("Visitor has left the conversation"),
 * with its visit details, Save and Email. A pane here keeps who its visitor was when the chat
 * ends and the visitor leaves the lists: its title, Alt+D, Alt+V and Alt+H, canned {visitor} and
 * {site} still name them.
 */

const NOW = 1_000_000;
const me = {name: 'alice', displayName: 'Alice', status: 'online' as const, connected: true};
const vera: VisitorSummary = {id: 'v1', site: 'example.com', name: 'Vera', ip: '203.0.113.9', browser: 'Firefox', os: 'Linux', pages: 3, since: NOW, online: true, chatsBefore: 2};
const chat = (over: Partial<ChatSummary> = {}): ChatSummary => ({
  id: 'c1', kind: 'visitor', site: 'example.com', visitorId: 'v1', visitorName: 'Vera', state: 'waiting', requestedAt: NOW, firstText: 'hello', lastSeq: 1, ...over,
});
const ready = (visitors: VisitorSummary[], chats: ChatSummary[] = []): HubToOperator => ({t: 'ready', me, hub: 'cac', operators: [], visitors, chats, messages: [], canned: []});

function harness() {
  let state: State = {...initialState('http://hub', 'alice', defaultSettings, NOW), size: {cols: 120, rows: 30}};
  const sent: OperatorToHub[] = [];
  const fx: Effects = {
    send: (frame) => (sent.push(frame), true),
    dispatch: (action) => (state = reducer(state, action)),
    saveSettings: () => undefined,
    newId: () => 'id-1',
  };
  return {
    sent,
    get state() {
      return state;
    },
    hub: (...frames: HubToOperator[]) => frames.forEach((frame) => (state = reducer(state, {type: 'hub', frame}))),
    do: (command: Command) => run(state, command, fx),
  };
}

/** Alice has accepted Vera's chat; then the chat ends and Vera leaves. */
function ended() {
  const h = harness();
  h.hub(ready([vera]), {t: 'chat.requested', chat: chat()}, {t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  h.hub({t: 'chat.update', chat: chat({state: 'ended', owner: 'alice'})}, {t: 'visitor.gone', visitorId: 'v1'});
  return h;
}

t.test('the pane keeps its visitor once the chat has ended and the visitor has left', async (t) => {
  const h = ended();
  t.equal(h.state.chats.c1, undefined, 'the lists forgot the chat');
  t.equal(listLength(h.state, 'visitors'), 0, 'and the visitor is no longer listed');
  t.same(h.state.panes[0]!.visitor, {id: 'v1', name: 'Vera', site: 'example.com'}, 'the pane knows who it was with');
  t.equal(chatTitle(h.state, 'c1'), 'Vera', 'its title still names the visitor');
  t.equal(paneVisitorId(h.state, h.state.panes[0]), 'v1');
  t.equal(visitorOf(h.state, 'v1')?.ip, '203.0.113.9', 'the last summary is kept for the pane');
  t.equal(visitorLabel(h.state, 'v1'), 'Vera', 'the Alt+V and Alt+H titles name them');
  t.equal(contextVisitorId({...h.state, focus: 'pane'}), 'v1', 'Alt+V / Alt+H act on them');
  t.ok(chattedBefore({...h.state, focus: 'pane'}), 'and the history key still shows');
  t.equal(fillCanned(h.state, 'Bye {visitor}, from {site}'), 'Bye Vera, from example.com');

  h.do({c: 'details'});
  t.same(h.sent.at(-1), {t: 'visitor.details', visitorId: 'v1'}, 'Alt+D asks the hub about the visitor who left');
  t.ok(h.state.panes[0]!.showDetails);
  const visit = {id: 'x', start: NOW, end: NOW + 60_000, ip: '203.0.113.9', browser: 'Firefox', os: 'Linux', userAgent: 'ua', pages: [{url: 'https://example.com/checkout', title: 'Checkout', at: NOW}]};
  h.hub({t: 'visitor.details', visitor: {...vera, online: false, pages: 4}, visit});
  t.equal(visitorOf(h.state, 'v1')?.pages, 4, 'the answer updates the kept summary');
  t.equal(listLength(h.state, 'visitors'), 0, 'without listing the visitor again');
  const r = render(<Screen state={{...h.state, focus: 'pane'}} />);
  const out = r.lastFrame() ?? '';
  r.unmount();
  t.match(out, /Vera/, 'the pane is drawn under her name');
  t.match(out, /Checkout {2}https:\/\/example\.com\/checkout/, 'with the pages she viewed');
});

t.test('the kept visitor goes when the pane closes, and when the visitor is back on the lists', async (t) => {
  const h = ended();
  h.hub({t: 'visitor.update', visitor: {...vera, pages: 5}});
  t.same(Object.keys(h.state.departed), [], 'back on the lists: nothing kept aside');
  t.equal(visitorOf(h.state, 'v1')?.pages, 5);
  h.hub({t: 'visitor.gone', visitorId: 'v1'});
  t.same(Object.keys(h.state.departed), ['v1']);
  // A reconnect: the hub's snapshot no longer lists her; the pane still shows her.
  h.hub(ready([]));
  t.equal(visitorOf(h.state, 'v1')?.name, 'Vera', 'a snapshot without the visitor keeps what the pane shows');
  h.do({c: 'close'});
  t.equal(h.state.panes.length, 0);
  t.same(h.state.departed, {}, 'once no pane shows the visitor, nothing is kept');
});

t.test('only visitors an open pane shows are kept; a pane follows the chat it shows', async (t) => {
  const h = harness();
  const other: VisitorSummary = {...vera, id: 'v2', name: 'Otto'};
  h.hub(ready([vera, other]), {t: 'chat.requested', chat: chat()}, {t: 'chat.assigned', chatId: 'c1', operator: 'alice'});
  h.hub({t: 'visitor.gone', visitorId: 'v2'});
  t.same(h.state.departed, {}, 'a visitor without a pane is simply gone');
  h.hub({t: 'chat.update', chat: chat({state: 'active', owner: 'alice', visitorName: 'Vera B.'})});
  t.equal(h.state.panes[0]!.visitor?.name, 'Vera B.', 'a name the visitor gives later reaches the pane');
  h.hub({t: 'visitor.updates', updates: [{t: 'visitor.update', visitor: {...other, id: 'v3'}}]});
  t.equal(listLength(h.state, 'visitors'), 2);
  t.same(h.state.departed, {});
  h.hub({t: 'visitor.details', visitor: {...vera, pages: 9}});
  t.equal(h.state.visitors.v1!.pages, 9, 'details of a listed visitor update the list');
  t.same(h.state.departed, {});
});
