/*
 * The words of the key table: commands, where a key acts, and a binding's shape. The table is
 * bindings.ts; keymap.ts turns key presses into commands with it.
 */
import type {Key} from 'ink';
import type {Edit} from './line-edit.js';
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

export const LISTS: Focus[] = ['visitors', 'chats', 'operators'];
export const MAIN: Focus[] = [...LISTS, 'pane'];
export const LINE: Scope[] = ['pane', 'editing', 'canned', 'ask'];
export const MENUS: Scope[] = ['canned', 'messages'];
export const PEOPLE: Scope[] = ['visits', 'history'];

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
