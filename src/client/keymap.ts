import type {Key} from 'ink';
import type {Edit} from './line-edit.js';
import {chattedBefore} from './people.js';
import type {Focus, Overlay, State} from './state.js';

/** What a key means; the app turns commands into reducer actions and hub frames. */
export type Command =
  | {c: 'focusNext'}
  | {c: 'focusPrev'}
  | {c: 'pane'; index: number}
  | {c: 'paneNext'}
  | {c: 'panePrev'}
  | {c: 'enter'}
  | {c: 'escape'}
  | {c: 'help'}
  | {c: 'leave'}
  | {c: 'end'}
  | {c: 'block'}
  | {c: 'close'}
  | {c: 'status'}
  | {c: 'setStatus'; status: string}
  | {c: 'operators'}
  | {c: 'msg'; to: string; text: string}
  | {c: 'options'}
  | {c: 'scroll'; pages: number}
  | {c: 'up'}
  | {c: 'down'}
  | {c: 'quit'}
  | {c: 'type'; text: string}
  | {c: 'edit'; edit: Edit}
  | {c: 'answer'; yes: boolean}
  | {c: 'linkPrompt'}
  | {c: 'link'; url: string}
  | {c: 'details'}
  // Canned responses, transcripts, the offline messages inbox:
  | {c: 'canned'; filter: string}
  | {c: 'save'; arg: string}
  | {c: 'email'; to: string}
  | {c: 'copy'}
  | {c: 'messages'}
  | {c: 'delete'}
  // People: earlier visits and chats, transfer, invite.
  | {c: 'visits'}
  | {c: 'history'}
  | {c: 'overlayMove'; by: number}
  | {c: 'pick'}
  | {c: 'transfer'; to?: string; note?: string}
  | {c: 'invite'; text?: string};

/**
 * Where a key acts: one of the four focus areas while no overlay is open, or the overlay that is
 * (`editing` is the options screen while a text option is typed).
 */
export type Scope = Focus | 'help' | 'options' | 'editing' | 'confirm' | 'canned' | 'messages' | 'ask' | 'visits' | 'history';

const LISTS: Focus[] = ['visitors', 'chats', 'operators'];
const MAIN: Focus[] = [...LISTS, 'pane'];
const LINE: Scope[] = ['pane', 'editing', 'canned', 'ask'];
const MENUS: Scope[] = ['canned', 'messages'];
const PEOPLE: Scope[] = ['visits', 'history'];

/** A key press as ink reports it, plus F1, which ink leaves unnamed (see isF1). */
export type KeyPress = Key & {f1?: boolean};

/**
 * One key, written as in Emacs: `M-l` is Alt+L (which arrives as Esc then L), `C-c` is Ctrl+C,
 * `S-tab` is Shift+Tab; the rest is a named key (`enter`, `esc`, `tab`, `up`, `down`, `left`,
 * `right`, `home`, `end`, `pgup`, `pgdn`, `bs`, `space`, `f1`) or one character. Two catch-alls:
 * `text` is any printable input (typing), `any` is any key at all.
 */
export type KeySpec = string;

/** One key of a binding: the command it sends, and (if not the binding's) where it acts. */
export interface KeyAction {
  key: KeySpec;
  /** A fixed command, or one made from the typed text (for `text`). */
  run: Command | ((input: string) => Command);
  in?: Scope[];
}

/**
 * One row of the key table: what the help overlay, the key bar and the README show, and the keys
 * that dispatch (`on`). Adding a key is one row here plus a handler for its command in commands.ts.
 */
export interface Binding {
  /** How the keys are written in the help, the key bar and the README. */
  keys: string;
  /** What it does, short enough for one help row at 80 columns. */
  what: string;
  /** The README's longer account (default: `what`). */
  doc?: string;
  /** The keys as the README writes them (default: `keys`). */
  docKeys?: string;
  /** The key bar's word for it (default: the first word of `what`). */
  label?: string;
  /** The keys as the key bar writes them, where room is short (default: `keys`). */
  barKeys?: string;
  /** The slash command that does the same, as the help writes it (`/link URL`). */
  slash?: string;
  /** The command a typed slash line makes from its argument (default: the first key's command). */
  slashRun?: (arg: string) => Command;
  /** Where the keys act, unless a key says otherwise. */
  in: Scope[];
  /** The keys and what each sends. */
  on: KeyAction[];
  /** Where the key bar shows it ('popup': a list has the focus while a request pops up). */
  where: Array<Focus | 'popup'>;
  /** Shown in the help and the key bar only while this holds (the keys still dispatch). */
  shown?: (state: State) => boolean;
}

const key = (spec: KeySpec, run: KeyAction['run'], scopes?: Scope[]): KeyAction => (scopes ? {key: spec, run, in: scopes} : {key: spec, run});
const edit = (spec: KeySpec, op: Edit): KeyAction => key(spec, {c: 'edit', edit: op});
const DIGITS = [1, 2, 3, 4, 5, 6, 7, 8, 9];

/**
 * The key table: dispatch, slash commands, the help overlay, the key bar and the README's table
 * are all read from here. Alt+letter arrives as Esc then the letter, so it works over SSH and in
 * tmux; Ctrl+N/Ctrl+P are there for terminals that do not send Alt.
 *
 * A new key is a row here (with `shown` if it only sometimes applies), its command in `Command`
 * and that command's handler in commands.ts (which does not compile without one); then
 * `node scripts/keys-table.js --write` puts the row in the README, which a test holds to this.
 * Which row comes first does not matter to dispatch: a key naming more modifiers wins, and a
 * test fails if one key is bound twice where it acts.
 */
export const BINDINGS: Binding[] = [
  {
    keys: 'Enter',
    what: 'start chatting (popup or waiting chat)',
    doc: 'start chatting (the popup, or a waiting chat on the list)',
    in: ['visitors', 'chats'],
    on: [key('enter', {c: 'enter'})],
    where: ['popup', 'chats'],
  },
  {
    keys: 'Esc',
    what: 'close popup, help or menu',
    doc: 'close the popup, help or options (q also closes help and options)',
    in: [...MAIN, 'help', 'options', 'editing'],
    on: [key('esc', {c: 'escape'}), key('q', {c: 'escape'}, ['help', 'options'])],
    where: ['popup'],
  },
  {
    keys: 'Tab/S-Tab',
    what: 'move focus: visitors, chats, operators, panes',
    barKeys: 'Tab',
    docKeys: 'Tab / Shift+Tab',
    doc: 'move focus: visitors, chatting visitors, operators, chat panes',
    in: MAIN,
    on: [key('tab', {c: 'focusNext'}), key('S-tab', {c: 'focusPrev'})],
    where: MAIN,
  },
  {
    keys: 'Up/Down',
    what: 'move in a list (also k/j)',
    docKeys: 'Up / Down (or k / j)',
    doc: 'move in a list',
    in: LISTS,
    on: [key('up', {c: 'up'}), key('k', {c: 'up'}), key('down', {c: 'down'}), key('j', {c: 'down'})],
    where: LISTS,
  },
  {
    keys: 'Enter',
    what: 'chat with the selected operator',
    in: ['operators'],
    on: [key('enter', {c: 'enter'})],
    where: ['operators'],
  },
  {
    keys: 'Enter',
    what: 'send the message (or /command)',
    doc: 'send the message, or run the /command typed',
    in: ['pane'],
    on: [key('enter', {c: 'enter'})],
    where: ['pane'],
  },
  {
    keys: 'Alt+1..9 Alt+←/→',
    what: 'jump to pane 1..9; previous / next pane (also Ctrl+P/N)',
    docKeys: 'Alt+1 … Alt+9, Alt+Left / Alt+Right (Ctrl+P / Ctrl+N)',
    doc: 'jump to / cycle chat panes',
    in: MAIN,
    on: [
      ...DIGITS.map((n) => key(`M-${n}`, {c: 'pane', index: n - 1})),
      key('M-left', {c: 'panePrev'}),
      key('M-right', {c: 'paneNext'}),
      key('C-p', {c: 'panePrev'}),
      key('C-n', {c: 'paneNext'}),
    ],
    label: 'jump',
    where: ['pane'],
  },
  {
    keys: 'PgUp/PgDn',
    what: 'scroll the chat history',
    docKeys: 'PgUp / PgDn',
    in: MAIN,
    on: [key('pgup', {c: 'scroll', pages: 1}), key('pgdn', {c: 'scroll', pages: -1})],
    where: ['pane'],
  },
  {
    keys: '←/→ Home/End',
    what: 'edit the line; Ctrl+A/E/D/W/U: start, end, del, word, clear',
    docKeys: 'Left / Right, Home / End (Ctrl+A / Ctrl+E), Ctrl+Left; Backspace, Ctrl+D, Ctrl+W, Ctrl+U',
    doc: 'move in the message line (Ctrl+Left: a word back; long lines scroll sideways); delete back (Alt+Backspace: a word), delete forward, delete a word, clear the line',
    in: LINE,
    on: [
      edit('left', {op: 'left'}),
      edit('C-left', {op: 'wordLeft'}),
      edit('right', {op: 'right'}),
      edit('home', {op: 'home'}),
      edit('C-a', {op: 'home'}),
      edit('end', {op: 'end'}),
      edit('C-e', {op: 'end'}),
      // Most terminals send DEL for Backspace, which ink names "delete": both erase backwards;
      // Ctrl+D erases forwards, as in a shell.
      edit('bs', {op: 'backspace'}),
      edit('M-bs', {op: 'deleteWord'}),
      edit('C-d', {op: 'deleteForward'}),
      edit('C-w', {op: 'deleteWord'}),
      edit('C-u', {op: 'clear'}),
      key('text', (input) => ({c: 'type', text: input.replace(/[\r\n\t]+/g, ' ')})),
    ],
    where: [],
  },
  {
    keys: 'Alt+L',
    what: 'leave this chat (it waits for others again)',
    doc: 'leave the chat (it waits for the other operators again)',
    slash: '/leave',
    in: MAIN,
    on: [key('M-l', {c: 'leave'})],
    where: ['pane'],
  },
  {keys: 'Alt+X', what: 'end this chat', doc: 'end the chat', slash: '/end', in: MAIN, on: [key('M-x', {c: 'end'})], where: ['pane']},
  {
    keys: 'Alt+B',
    what: 'block the visitor for the rest of the day (asks)',
    doc: 'block the visitor for the rest of the day (asks first)',
    slash: '/block',
    in: MAIN,
    on: [key('M-b', {c: 'block'})],
    where: ['pane'],
  },
  {
    keys: 'Alt+W',
    what: 'close the pane (leaves the chat if it is yours)',
    slash: '/close',
    in: MAIN,
    on: [key('M-w', {c: 'close'})],
    where: ['pane'],
  },
  {
    keys: 'Alt+T',
    what: 'cycle my status',
    doc: 'my status: on-line → away → off-line (away and off-line are not rung)',
    slash: '/status online|away|offline',
    slashRun: (status) => ({c: 'setStatus', status}),
    in: MAIN,
    on: [key('M-t', {c: 'status'})],
    label: 'status',
    where: LISTS,
  },
  {
    keys: 'Alt+O',
    what: 'other operators (Enter chats with one)',
    doc: 'other operators; Enter opens a chat with one',
    slash: '/msg NAME text',
    slashRun: (arg) => {
      const [to = '', ...words] = arg.split(/\s+/);
      return {c: 'msg', to, text: words.join(' ')};
    },
    in: MAIN,
    on: [key('M-o', {c: 'operators'})],
    where: ['visitors', 'chats'],
  },
  {
    keys: 'Alt+P',
    what: 'options: bell, notifications, preview, folder',
    doc: 'options: bell, notifications, sneak preview, save folder (Up/Down choose, Enter or Space changes)',
    slash: '/options',
    in: MAIN,
    on: [
      key('M-p', {c: 'options'}),
      key('up', {c: 'up'}, ['options']),
      key('down', {c: 'down'}, ['options']),
      key('enter', {c: 'enter'}, ['options', 'editing']),
      key('space', {c: 'enter'}, ['options']),
    ],
    where: [],
  },
  {
    keys: 'F1 or ?',
    what: 'this help (? on a list; Up/Down scroll it)',
    docKeys: 'F1 or `?` (on a list)',
    doc: 'help: every key and command; Up / Down, PgUp / PgDn scroll it where it does not fit',
    slash: '/help',
    in: [...MAIN, 'help', 'options', 'editing'],
    on: [
      key('f1', {c: 'help'}),
      key('?', {c: 'help'}, LISTS),
      key('?', {c: 'escape'}, ['help']),
      key('up', {c: 'up'}, ['help']),
      key('k', {c: 'up'}, ['help']),
      key('down', {c: 'down'}, ['help']),
      key('j', {c: 'down'}, ['help']),
      key('pgup', {c: 'scroll', pages: 1}, ['help']),
      key('pgdn', {c: 'scroll', pages: -1}, ['help']),
    ],
    label: 'help',
    where: MAIN,
  },
  {
    keys: 'Alt+D',
    what: 'visit details: location, browser, every page',
    doc: 'visit details: location, browser, referrer and every page viewed (asks the hub afresh); a one-line summary is always shown at the top of a visitor pane',
    slash: '/details',
    in: MAIN,
    on: [key('M-d', {c: 'details'})],
    where: ['pane'],
  },
  {
    keys: 'Alt+K',
    what: 'send a link that opens in the visitor\'s browser',
    doc: 'send a link that opens in the visitor\'s browser (relative to the site); a message holding an address asks "send as a link? (y/N)"',
    slash: '/link URL',
    slashRun: (url) => ({c: 'link', url}),
    in: MAIN,
    on: [key('M-k', {c: 'linkPrompt'})],
    where: ['pane'],
  },
  // Canned responses, transcripts (save, e-mail, copy) and the offline messages inbox.
  {
    keys: 'Alt+R',
    what: 'canned responses: filter, Enter inserts',
    doc: 'canned responses: type to filter, Enter puts one on the message line to edit ({visitor}, {operator}, {site} filled in); "Add current text" saves the line as one; `#shortcut` then Tab expands one; the options screen edits them',
    label: 'canned',
    slash: '/canned [filter]',
    slashRun: (filter) => ({c: 'canned', filter}),
    in: MAIN,
    on: [
      key('M-r', {c: 'canned', filter: ''}),
      key('up', {c: 'up'}, MENUS),
      key('down', {c: 'down'}, MENUS),
      key('enter', {c: 'enter'}, [...MENUS, 'ask']),
      key('esc', {c: 'escape'}, [...MENUS, 'ask']),
    ],
    where: ['pane'],
  },
  {
    keys: 'Alt+S',
    what: 'save the transcript as HTML or text',
    doc: 'save the transcript as HTML or text in the save folder (asks the format and the file, and before overwriting)',
    slash: '/save [txt|html] [path]',
    slashRun: (arg) => ({c: 'save', arg}),
    in: MAIN,
    on: [key('M-s', {c: 'save', arg: ''})],
    where: ['pane'],
  },
  {
    keys: 'Alt+E',
    what: 'e-mail the transcript (a draft)',
    doc: 'e-mail the transcript: an .eml draft to the visitor (or the address given) in the save folder, opened in the mail program; over SSH it says where the file is',
    slash: '/email [address]',
    slashRun: (to) => ({c: 'email', to}),
    in: MAIN,
    on: [key('M-e', {c: 'email', to: ''})],
    where: [],
  },
  {
    keys: 'Alt+Y',
    what: 'copy the transcript to the clipboard',
    doc: 'copy the text transcript to the clipboard (over SSH through the terminal too, OSC 52)',
    slash: '/copy',
    in: MAIN,
    on: [key('M-y', {c: 'copy'})],
    where: [],
  },
  {
    keys: 'Alt+M',
    what: 'left messages: Enter replies, d done',
    doc: 'messages visitors left while nobody was on-line (counted on the status line): Enter writes a reply draft quoting one, d marks it done for every operator',
    label: 'messages',
    slash: '/messages',
    in: MAIN,
    on: [key('M-m', {c: 'messages'}), key('d', {c: 'delete'}, ['messages', 'options'])],
    where: LISTS,
  },
  // People: a visitor's earlier visits and chats, transfer, invite.
  {
    keys: 'Alt+V',
    what: 'earlier visits of this visitor, with pages',
    label: 'visits',
    doc: 'every visit of the visitor (selected or in the pane), newest first: date, length, referrer, location, pages (Up/Down scroll)',
    slash: '/visits',
    in: MAIN,
    on: [
      key('M-v', {c: 'visits'}),
      key('up', {c: 'overlayMove', by: -1}, PEOPLE),
      key('k', {c: 'overlayMove', by: -1}, PEOPLE),
      key('down', {c: 'overlayMove', by: 1}, PEOPLE),
      key('j', {c: 'overlayMove', by: 1}, PEOPLE),
      key('pgup', {c: 'overlayMove', by: -10}, PEOPLE),
      key('pgdn', {c: 'overlayMove', by: 10}, PEOPLE),
      key('esc', {c: 'escape'}, PEOPLE),
      key('q', {c: 'escape'}, PEOPLE),
    ],
    where: ['pane', 'visitors'],
  },
  {
    keys: 'Alt+H',
    what: 'earlier chats of this visitor (Enter opens one)',
    label: 'history',
    doc: 'the visitor\'s earlier chats; Enter opens one read-only in its own pane (shown when the visitor has chatted before)',
    slash: '/history',
    in: MAIN,
    on: [key('M-h', {c: 'history'}), key('enter', {c: 'pick'}, ['history'])],
    where: ['pane', 'visitors'],
    shown: (state) => chattedBefore(state),
  },
  {
    keys: 't',
    what: 'hand my chat to the selected operator',
    docKeys: '`t` (on the operators list)',
    doc: 'offer my active chat to the selected operator alone (a note: /transfer NAME note); they see the note and the last messages',
    slash: '/transfer NAME [note]',
    slashRun: (arg) => {
      const [to = '', ...words] = arg.split(/\s+/);
      return {c: 'transfer', to, note: words.join(' ')};
    },
    in: ['operators'],
    on: [key('t', {c: 'transfer'})],
    label: 'transfer',
    where: ['operators'],
  },
  {
    keys: 'Alt+I',
    what: 'invite the selected visitor to chat',
    doc: 'invite the selected visitor to chat: their chat window opens with a greeting (/invite text: my own)',
    slash: '/invite [text]',
    slashRun: (text) => ({c: 'invite', text}),
    in: ['visitors'],
    on: [key('M-i', {c: 'invite'})],
    where: ['visitors'],
  },
  {
    keys: 'Ctrl+C',
    what: 'quit (asks while chats are open)',
    slash: '/quit',
    in: [...MAIN, 'help', 'options', 'editing'],
    on: [key('C-c', {c: 'quit'})],
    where: LISTS,
  },
  {
    keys: 'y',
    what: 'yes to a question on the key bar (any other key: no)',
    doc: 'answer yes to the question on the key bar (quit, block, send as a link); any other key answers no',
    in: ['confirm'],
    on: [key('y', {c: 'answer', yes: true}), key('Y', {c: 'answer', yes: true}), key('any', {c: 'answer', yes: false})],
    where: [],
    // The question itself says "(y/N)": the help leaves the row out (the README has it).
    shown: (state) => state.overlay?.kind === 'confirm',
  },
];

export interface KeyContext {
  focus: Focus;
  overlay?: Overlay['kind'];
  /** A text option (the save folder) is being typed on the options screen. */
  editing?: boolean;
}

export function scopeOf(ctx: KeyContext): Scope {
  if (ctx.overlay === 'options' && ctx.editing) return 'editing';
  return ctx.overlay ?? ctx.focus;
}

interface Matcher {
  spec: KeySpec;
  test: (input: string, key: KeyPress) => boolean;
  /** The more modifiers a key names, the more it wins over a plainer one: Alt+←, then Ctrl+←, then ←. */
  weight: number;
  run: KeyAction['run'];
}

const NAMED: Record<string, (input: string, key: KeyPress) => boolean> = {
  enter: (_, k) => k.return,
  esc: (input, k) => k.escape && !input,
  tab: (_, k) => k.tab,
  up: (_, k) => k.upArrow,
  down: (_, k) => k.downArrow,
  left: (_, k) => k.leftArrow,
  right: (_, k) => k.rightArrow,
  home: (_, k) => k.home,
  end: (_, k) => k.end,
  pgup: (_, k) => k.pageUp,
  pgdn: (_, k) => k.pageDown,
  bs: (_, k) => k.backspace || k.delete,
  space: (input) => input === ' ',
  f1: (_, k) => Boolean(k.f1),
};

/** Turns `M-l`, `C-left`, `?`, `text` into a test on one key press. */
export function parseKey(spec: KeySpec): Pick<Matcher, 'test' | 'weight'> {
  if (spec === 'any') return {test: () => true, weight: 0};
  if (spec === 'text') return {test: (input, k) => input !== '' && !k.ctrl && !k.meta, weight: 0};
  const mods = /^((?:[CMS]-)*)(.+)$/.exec(spec)!;
  const ctrl = mods[1]!.includes('C-');
  const meta = mods[1]!.includes('M-');
  const shift = mods[1]!.includes('S-');
  const name = mods[2]!;
  const named = NAMED[name];
  if (!named && [...name].length !== 1) throw new Error(`unknown key ${spec}`);
  // With Ctrl or Alt a letter is the same key whatever the case (Alt+Shift+B is Alt+B).
  const char = (input: string) => (ctrl || meta ? input.toLowerCase() === name.toLowerCase() : input === name);
  const base = named ?? char;
  return {
    test: (input, k) => base(input, k) && (!ctrl || k.ctrl) && (!meta || k.meta) && (!shift || k.shift),
    weight: 1 + (meta ? 4 : 0) + (ctrl ? 2 : 0) + (shift ? 1 : 0),
  };
}

/** Every key of every binding, by scope, heaviest first (the table's order among equals). */
function index(bindings: Binding[]): Map<Scope, Matcher[]> {
  const byScope = new Map<Scope, Matcher[]>();
  for (const b of bindings) {
    for (const action of b.on) {
      for (const scope of action.in ?? b.in) {
        const list = byScope.get(scope) ?? [];
        list.push({spec: action.key, run: action.run, ...parseKey(action.key)});
        byScope.set(scope, list);
      }
    }
  }
  for (const list of byScope.values()) list.sort((a, b) => b.weight - a.weight);
  return byScope;
}

const indexes = new WeakMap<Binding[], Map<Scope, Matcher[]>>();

/** The keys of a table by scope, worked out once per table. */
function byScope(bindings: Binding[]): Map<Scope, Matcher[]> {
  let found = indexes.get(bindings);
  if (!found) indexes.set(bindings, (found = index(bindings)));
  return found;
}

/** The keys that act in a scope, as written in the table (for tests and checks). */
export function keysIn(scope: Scope, bindings: Binding[] = BINDINGS): KeySpec[] {
  return (byScope(bindings).get(scope) ?? []).map((m) => m.spec);
}

/** Maps one key press (as ink reports it) to a command in the current context: a table lookup. */
export function keyToCommand(input: string, key: KeyPress, ctx: KeyContext, bindings: Binding[] = BINDINGS): Command | undefined {
  const match = byScope(bindings).get(scopeOf(ctx))?.find((m) => m.test(input, key));
  if (!match) return undefined;
  return typeof match.run === 'function' ? match.run(input) : match.run;
}

/** The binding whose slash command is `/word`. */
export function slashBinding(word: string, bindings: Binding[] = BINDINGS): Binding | undefined {
  return bindings.find((b) => b.slash?.split(' ')[0] === `/${word}`);
}

/** The command a slash line makes: `/leave` does what Alt+L does, `/link URL` sends a link. */
export function slashCommand(binding: Binding, arg: string): Command {
  if (binding.slashRun) return binding.slashRun(arg);
  const first = binding.on[0]!.run;
  return typeof first === 'function' ? first(arg) : first;
}

/** The rows the help overlay shows now. */
export function helpBindings(state?: State, bindings: Binding[] = BINDINGS): Binding[] {
  return bindings.filter((b) => !state || !b.shown || b.shown(state));
}

/** The key that moves the focus (Tab), the way to anywhere else. */
const movesFocus = (b: Binding) => b.on.some((a) => a.key === 'tab');

/** A key every list shows (moving in it, my status, help, quit), as opposed to one of this place's own. */
const everywhere = (b: Binding) => LISTS.every((list) => b.where.includes(list));

/**
 * The keys the key bar shows for where the operator is now, in the order it shows them: Tab, then
 * this place's own keys (on the Visitors list: visits, history, invite), then the ones every list
 * shares. The bar cuts from the end, and the help key stays in view (see KeyBar).
 */
export function barBindings(state: State, where: Focus | 'popup', bindings: Binding[] = BINDINGS): Binding[] {
  const shown = bindings.filter((b) => b.where.includes(where) && (!b.shown || b.shown(state)));
  const rank = (b: Binding) => (movesFocus(b) ? 0 : everywhere(b) ? 2 : 1);
  return shown.map((b, i) => ({b, i})).sort((x, y) => rank(x.b) - rank(y.b) || x.i - y.i).map(({b}) => b);
}

/** The key bar's word for a binding. */
export function barLabel(b: Binding): string {
  return b.label ?? b.what.split(/[ (,:]/)[0]!;
}

/** A binding as the key bar writes it: `Alt+V visits`. */
export function barItem(b: Binding): string {
  return `${b.barKeys ?? b.keys} ${barLabel(b)}`;
}

/** The help key, which lists every other: the key bar keeps it when it has to leave keys out. */
export function isHelp(b: Binding): boolean {
  return b.on.some((a) => a.key === 'f1');
}

/** The README's key table, in Markdown. */
export function keysMarkdown(bindings: Binding[] = BINDINGS): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = bindings.map((b) => `| ${cell(b.docKeys ?? b.keys)} | ${cell(b.doc ?? b.what)} | ${b.slash ? `\`${cell(b.slash)}\` |` : '|'}`);
  return ['| key | action | slash command |', '|---|---|---|', ...rows].join('\n');
}

/**
 * Text and Enter that arrive in one read (a paste, tmux send-keys, a fast typist over a slow
 * link) come as one chunk that ink does not call a return: split it into typed text and Enters.
 */
export function splitLines(input: string, key: Key): Array<[string, Key]> {
  if (input.length < 2 || key.ctrl || key.meta || !/[\r\n]/.test(input)) return [[input, key]];
  const parts: Array<[string, Key]> = [];
  const segments = input.split(/\r\n|\r|\n/);
  segments.forEach((segment, i) => {
    if (segment) parts.push([segment, {...key, return: false}]);
    if (i < segments.length - 1) parts.push(['', {...key, return: true}]);
  });
  return parts;
}

/** F1 reaches us as a raw sequence ink does not name: xterm, VT100 and Linux console forms. */
export function isF1(raw: string): boolean {
  return raw === '\x1bOP' || raw === '\x1b[11~' || raw === '\x1b[[A' || raw === '\x1b[1P';
}
