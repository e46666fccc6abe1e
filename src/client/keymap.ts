import {BINDINGS} from './bindings.js';
import {LISTS, type Binding, type Command, type KeyAction, type KeyPress, type KeySpec, type Scope} from './key-types.js';
import type {Key} from 'ink';
import type {Focus, Overlay, State} from './state.js';

/*
 * From a key press to a command, through the key table (bindings.ts): dispatch, slash commands,
 * and the rows the help overlay, the key bar and the README show.
 */

export {BINDINGS} from './bindings.js';
export type {Binding, Command, KeyAction, KeyPress, KeySpec, Scope} from './key-types.js';

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
