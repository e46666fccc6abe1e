import type {Canned, ChatEvent, ChatSummary, HubToOperator, OfflineMessage, OperatorSummary, Visit, VisitorSummary} from '../protocol/index.js';
import type {Line} from './line-edit.js';

/** What the operator can change on the options screen; saved in the config file. */
export interface Settings {
  /** Ring the terminal bell on each chat request. */
  bell: boolean;
  /** Also ring for a message in a pane you are not looking at. */
  messageBell: boolean;
  /** Desktop notification through the terminal (OSC 9 or OSC 777); off by default. */
  notify: 'off' | 'osc9' | 'osc777';
  /** Show what the visitor is typing before it is sent (when the site allows it). */
  sneakPreview: boolean;
  /** Where saved transcripts go. */
  saveFolder: string;
}

export const defaultSettings: Settings = {
  bell: true,
  messageBell: true,
  notify: 'off',
  sneakPreview: true,
  saveFolder: '~',
};

export type ConnStatus = 'connecting' | 'connected' | 'disconnected';
export type Focus = 'visitors' | 'chats' | 'operators' | 'pane';
export const FOCUS_ORDER: Focus[] = ['visitors', 'chats', 'operators', 'pane'];

/** A message I sent that the hub has not confirmed yet (shown dimmed, resent after reconnect). */
export interface Pending {
  id: string;
  text: string;
  at: number;
}

/** One open conversation on the right: a visitor chat or a chat with another operator. */
export interface Pane {
  chatId: string;
  kind: 'visitor' | 'op';
  /** For an operator chat: the other operator's name. */
  peer?: string;
  /**
   * For a visitor chat: who the visitor is, as the chat last said. The pane keeps it once the
   * chat has ended and the lists have forgotten it, so that its title, its visit details (Alt+D)
   * and the transcripts saved from it still name the visitor.
   */
  visitor?: {id: string; name?: string; site: string};
  /** Events in seq order, each seq once (replays after a reconnect are dropped). */
  events: ChatEvent[];
  /**
   * An operator chat pane opened part-way through the chat (a line from a colleague, years into
   * it): the first line it was given. The `OP_HISTORY` lines before it are fetched as its past,
   * not news; older ones are never asked for.
   */
  firstSeen?: number;
  lastSeq: number;
  pending: Pending[];
  unread: number;
  /** Lines scrolled up from the bottom; 0 follows new messages. */
  scroll: number;
  draft: string;
  /** Where the cursor is in the draft, in code points; undefined is the end. */
  cursor?: number;
  typing?: {preview?: string};
  /** The visit details (pages viewed) are shown above the messages. */
  showDetails?: boolean;
  /** Why the pane no longer accepts input (visitor left, chat ended, I left it). */
  closed?: string;
  /** An earlier chat of the visitor (Alt+H), shown read-only; when it was. */
  history?: {at: number; owner?: string};
}

export type Overlay =
  /** `top`: the first help row shown, where they do not all fit. */
  | {kind: 'help'; top?: number}
  | {kind: 'options'; index: number; editing?: Line}
  | {kind: 'confirm'; what: 'quit' | 'block' | 'link'; chatId?: string; question: string; text?: string; url?: string}
  // Canned responses, saving and e-mailing transcripts, the offline messages inbox:
  /** The canned responses menu: `filter` is typed, `index` 0 is "Add current text". */
  | {kind: 'canned'; filter: Line; index: number}
  /** The left messages inbox. */
  | {kind: 'messages'; index: number}
  /** A question answered by typing a line on the key bar row. */
  | {kind: 'ask'; question: string; line: Line; step: AskStep}
  | {kind: 'confirm'; what: 'overwrite'; question: string; chatId: string; format: SaveFormat; path: string}
  | {kind: 'confirm'; what: 'cannedRemove'; question: string; id: string}
  // People: a visitor's earlier visits (scrolled from `top`) and earlier chats (one picked).
  | {kind: 'visits'; visitorId: string; top: number}
  | {kind: 'history'; visitorId: string; index: number};

export type SaveFormat = 'html' | 'txt';

/** What the typed answer of an `ask` is for. */
export type AskStep =
  | {s: 'saveFormat'; chatId: string}
  | {s: 'savePath'; chatId: string; format: SaveFormat}
  | {s: 'cannedText'; id?: string; shortcut?: string}
  | {s: 'cannedShortcut'; id?: string; text: string}
  | {s: 'cannedTeam'; text: string; shortcut: string};

/** A chat a colleague offers me (a transfer): who, their note, the last messages, until when. */
export interface Offer {
  from: string;
  note?: string;
  recent: ChatEvent[];
  until: number;
}

/** Something the app must do outside the reducer (bell, notification); counted so each runs once. */
export interface Alert {
  n: number;
  text: string;
  /** A chat request (always rings when the bell is on) rather than a message. */
  request: boolean;
}

export interface State {
  hub: string;
  myName: string;
  conn: {status: ConnStatus; error?: string; retryAt?: number};
  me?: OperatorSummary;
  visitors: Record<string, VisitorSummary>;
  /** Visitors who have left while a pane of theirs is open: not listed, still shown in the pane. */
  departed: Record<string, VisitorSummary>;
  /** The current visit of visitors asked about (Alt+D), with every page viewed. */
  visits: Record<string, Visit>;
  chats: Record<string, ChatSummary>;
  operators: Record<string, OperatorSummary>;
  panes: Pane[];
  active: number;
  /** Chat ids whose request popup is still to be answered, oldest first. */
  popups: string[];
  /**
   * Set when the operator moves along the lists, or from one list to another, while a popup is
   * up: Enter then acts on the row they chose rather than on the popup. Cleared when a popup
   * comes up after none was.
   */
  picking: boolean;
  focus: Focus;
  selected: Record<'visitors' | 'chats' | 'operators', number>;
  overlay?: Overlay;
  settings: Settings;
  notice?: string;
  alert: Alert;
  size: {cols: number; rows: number};
  now: number;
  /** Set when the operator confirmed quitting. */
  quit: boolean;
  /** The team's canned responses and my own, as the hub last listed them. */
  canned: Canned[];
  /** Offline messages left by visitors and not yet marked done, oldest first. */
  messages: OfflineMessage[];
  // People: what the hub answered about visitors' earlier visits and chats; chats offered to me.
  pastVisits: Record<string, Visit[]>;
  pastChats: Record<string, ChatSummary[]>;
  offers: Record<string, Offer>;
}

export function initialState(hub: string, myName: string, settings: Settings = defaultSettings, now = Date.now()): State {
  return {
    hub,
    myName,
    conn: {status: 'connecting'},
    visitors: {},
    departed: {},
    visits: {},
    chats: {},
    operators: {},
    panes: [],
    active: 0,
    popups: [],
    picking: false,
    focus: 'chats',
    selected: {visitors: 0, chats: 0, operators: 0},
    settings,
    alert: {n: 0, text: '', request: false},
    size: {cols: 80, rows: 24},
    now,
    quit: false,
    canned: [],
    messages: [],
    pastVisits: {},
    pastChats: {},
    offers: {},
  };
}

export type Action =
  | {type: 'hub'; frame: HubToOperator}
  /** `ev` frames of one chat that arrived together (a replay), applied as one. */
  | {type: 'events'; chatId: string; events: ChatEvent[]}
  | {type: 'conn'; status: ConnStatus; error?: string; retryAt?: number}
  | {type: 'resize'; cols: number; rows: number}
  | {type: 'tick'; now: number}
  | {type: 'sending'; chatId: string; id: string; text: string; peer?: string}
  | {type: 'focus'; focus: Focus}
  | {type: 'focusStep'; dir: 1 | -1}
  | {type: 'select'; delta: number}
  | {type: 'pane'; index: number}
  | {type: 'paneStep'; dir: 1 | -1}
  | {type: 'openOpChat'; peer: string; chatId: string}
  | {type: 'openChat'; chatId: string}
  | {type: 'closePane'; chatId: string}
  | {type: 'draft'; text: string; cursor?: number}
  | {type: 'scroll'; pages: number}
  | {type: 'toggleDetails'}
  | {type: 'popupDismiss'}
  | {type: 'overlay'; overlay?: Overlay}
  | {type: 'settings'; settings: Settings}
  | {type: 'notice'; text?: string}
  | {type: 'quit'}
  | {type: 'openHistory'; chat: ChatSummary};
