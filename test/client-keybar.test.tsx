import {render} from 'ink-testing-library';
import stringWidth from 'string-width';
import t from 'tap';
import type {VisitorSummary} from '../src/protocol/index.js';
import {barText, KeyBar} from '../src/client/components/KeyBar.js';
import {Screen} from '../src/client/components/Screen.js';
import {BINDINGS, barBindings, barItem, type Binding} from '../src/client/keymap.js';
import {reducer, initialState, type State} from '../src/client/reducer.js';

const NOW = 10_000_000;
const visitor = (over: Partial<VisitorSummary> = {}): VisitorSummary => ({
  id: 'v1abcdef',
  site: 'example.com',
  ip: '8.8.8.8',
  browser: 'Chrome',
  os: 'Linux',
  pages: 1,
  since: NOW,
  online: true,
  ...over,
});

/** alice at 80x24 with one visitor on the Visitors list, the focus there. */
function onVisitors(over: Partial<VisitorSummary> = {}): State {
  let s: State = {...initialState('http://hub', 'alice', undefined, NOW), size: {cols: 80, rows: 24}};
  const me = {name: 'alice', displayName: 'Alice', status: 'online' as const, connected: true};
  s = reducer(s, {type: 'hub', frame: {t: 'ready', me, hub: 'cac', operators: [], visitors: [visitor(over)], chats: [], messages: [], canned: []}});
  return {...s, focus: 'visitors'};
}

/** The key bar row of the whole screen, as drawn. */
function barRow(state: State): string {
  const r = render(<Screen state={state} />);
  const rows = (r.lastFrame() ?? '').split('\n');
  r.unmount();
  return rows.at(-2)!;
}

t.test('at 80 columns the Visitors list\'s key bar shows its own keys: visits, history (after a chat), invite; and help', async (t) => {
  const first = barRow(onVisitors());
  t.match(first, /^Tab move {2}Alt\+O other {2}Alt\+V visits {2}Alt\+I invite {2}.*F1 or \? help\s*$/);
  t.notMatch(first, /Alt\+H/, 'a first-time visitor has no history');
  const again = barRow(onVisitors({chatsBefore: 1}));
  t.match(again, /Alt\+V visits {2}Alt\+H history {2}Alt\+I invite {2}F1 or \? help\s*$/);
  t.ok(stringWidth(again.trimEnd()) <= 80);
  // Every key of the place is on the bar where the terminal is wide enough for all of them.
  const wide = barText(barBindings(onVisitors({chatsBefore: 1}), 'visitors'), 200);
  for (const b of BINDINGS.filter((b) => b.where.includes('visitors'))) t.ok(wide.includes(barItem(b)), `${barItem(b)} at 200 columns`);
});

t.test('the key bar shows whole keys only; when some are left out, the help key ends it', async (t) => {
  const pane = barBindings(onVisitors(), 'pane');
  t.equal(barText(pane, 40), 'Tab move  Enter send  F1 or ? help', 'a key that does not fit whole is left out; help stays');
  t.equal(barText(pane, 80), 'Tab move  Enter send  Alt+1..9 Alt+←/→ jump  PgUp/PgDn scroll  F1 or ? help');
  t.equal(barText(pane, 12), 'F1 or ? help', 'at the narrowest, only the way to the rest');
  t.equal(barText(pane, 5), '', 'nothing cut in half');
  const popup = barBindings(onVisitors(), 'popup');
  t.equal(barText(popup, 80), 'Enter start  Esc close', 'everything fits: the table\'s order, nothing added');
  const noHelp: Binding[] = popup;
  t.equal(barText(noHelp, 15), 'Enter start', 'without a help key, as many as fit');
  const out = render(<KeyBar bindings={pane} width={40} />);
  t.equal(out.lastFrame()!.trimEnd(), 'Tab move  Enter send  F1 or ? help');
  out.unmount();
});

t.test('every place at 80 columns keeps Tab and the help in view', async (t) => {
  const s = onVisitors({chatsBefore: 1});
  for (const where of ['visitors', 'chats', 'operators', 'pane'] as const) {
    const text = barText(barBindings(s, where), 80);
    t.match(text, /^Tab move {2}.* {2}F1 or \? help$/, where);
    t.ok(stringWidth(text) <= 80, `${where} fits`);
  }
});
