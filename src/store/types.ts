import type {Canned, ChatEvent, ChatState, OfflineMessage, OperatorStatus, Visit} from '../protocol/index.js';

export interface OperatorRecord {
  name: string;
  displayName: string;
  role: 'admin' | 'operator';
  /** scrypt of the login token; the token itself is only ever printed once. */
  salt: string;
  hash: string;
  /** Domains this operator monitors; empty means every site. */
  sites: string[];
  createdAt: number;
}

export interface SiteRecord {
  domain: string;
  aliases: string[];
  timezone: string;
  /** Base that relative links are resolved against, e.g. https://example.com/. */
  url: string;
  /** Whether the operator sees what the visitor is typing before it is sent. */
  preview: boolean;
  greeting?: string;
}

export interface BlockRecord {
  id: string;
  site: string;
  visitorId: string;
  ip: string;
  until: number;
  by: string;
  chatId?: string;
  at: number;
}

export interface ChatRecord {
  id: string;
  kind: 'visitor' | 'op';
  site: string;
  visitorId?: string;
  visitId?: string;
  visitorName?: string;
  visitorEmail?: string;
  /** Operator-to-operator chats: the two operators. */
  members?: string[];
  state: ChatState;
  owner?: string;
  /** Every operator who ever took part, for history and transcripts. */
  operators: string[];
  requestedAt: number;
  endedAt?: number;
  events: ChatEvent[];
  /** Client message ids already stored, with the seq they got: a resend is acked, not stored. */
  ids: Record<string, number>;
}

export interface VisitorRecord {
  id: string;
  site: string;
  tokenHash: string;
  firstSeen: number;
  lastSeen: number;
  name?: string;
  email?: string;
  /** The chat this visitor has open, if any. */
  chatId?: string;
  chats: string[];
  visits: Visit[];
}

export interface StatusRecord {
  status: Record<string, OperatorStatus>;
}

export type {Canned, OfflineMessage};
