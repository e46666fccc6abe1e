import {z} from 'zod';
import {chatEvent, chatRecord, operatorName, visitorSummary} from './common.js';
import {feedEntry} from './events.js';
import {hubToOperator} from './operator.js';
import {hubToVisitor} from './visitor.js';

/*
 * What hubs sharing one store tell each other (over Redis pub/sub) and keep in Redis. The store
 * stays the source of truth: a message says what changed, so the other hubs' copies and the
 * sockets they hold follow; one that missed messages reads the store again (by seq).
 */

const hubId = z.string().min(1).max(64);

/** The Redis channel hubs sharing a store talk on. */
export const CLUSTER_CHANNEL = 'cac:bus';

/**
 * Something that must happen at a time, whichever hub is alive then: a visitor gone past the
 * grace period, an operator gone past it, a transfer offer not answered in time.
 */
export const deadline = z.discriminatedUnion('kind', [
  z.object({kind: z.literal('visitor'), visitorId: z.string(), site: z.string()}),
  z.object({kind: z.literal('operator'), operator: operatorName}),
  z.object({kind: z.literal('offer'), chatId: z.string()}),
]);
export type Deadline = z.infer<typeof deadline>;

/** What names a deadline (enough to cancel it). */
export type DeadlineRef = {kind: 'visitor'; visitorId: string} | {kind: 'operator'; operator: string} | {kind: 'offer'; chatId: string};

/** One name per deadline: setting it again moves it, whichever hub does so. */
export function deadlineKey(d: DeadlineRef): string {
  if (d.kind === 'visitor') return `visitor:${d.visitorId}`;
  if (d.kind === 'operator') return `operator:${d.operator}`;
  return `offer:${d.chatId}`;
}

export const clusterMessage = z.discriminatedUnion('t', [
  /**
   * An event stored, with the chat's record as the storing hub has it, and `rv`: the seq of the
   * last event that record includes a change of (a message changes nothing, so it goes with the
   * record as it was). A copy is only ever replaced by a newer one: news that comes late, or a
   * record a hub had not brought up to date yet, changes nothing. Absent: the event's own seq.
   */
  z.object({t: z.literal('ev'), from: hubId, chat: chatRecord, e: chatEvent, rv: z.number().int().nonnegative().optional()}),
  /**
   * The visitor gave a name (no event): only the names, as the rest of the sending hub's copy
   * may be older than the receiver's. An absent name is none.
   */
  z.object({t: z.literal('names'), from: hubId, chatId: z.string(), ...chatRecord.pick({visitorName: true, visitorEmail: true}).shape}),
  /** A frame for one operator's sockets, wherever they are. */
  z.object({t: z.literal('op'), from: hubId, name: operatorName, frame: hubToOperator}),
  /** A frame for every operator monitoring `site` (all when absent), but `except`. */
  z.object({t: z.literal('ops'), from: hubId, site: z.string().optional(), except: operatorName.optional(), frame: hubToOperator}),
  /** A frame for one visitor's tabs, wherever they are. */
  z.object({t: z.literal('visitor'), from: hubId, id: z.string(), frame: hubToVisitor}),
  /** The operators with a socket on hub `from` now (sent on every change, and on request). */
  z.object({t: z.literal('operators'), from: hubId, names: z.array(operatorName)}),
  /** A visitor has a socket on hub `from` now: others let go of their copy. */
  z.object({t: z.literal('here'), from: hubId, visitorId: z.string()}),
  /** A shared deadline (its key, due `at`) was fired: the hub that set it forgets it. */
  z.object({t: z.literal('fired'), from: hubId, key: z.string(), at: z.number()}),
  /** A shared record changed: read it again from the store. */
  z.object({t: z.literal('reload'), from: hubId, what: z.enum(['accounts', 'blocks', 'canned', 'messages', 'status'])}),
  /** An entry of the feed stored, for the followers of every hub. */
  z.object({t: z.literal('feed'), from: hubId, entry: feedEntry}),
  /**
   * A hub (re)joined: everyone says again who is connected to them. `catchUp`: it was cut off
   * from Redis (or a publication failed), so some of what it stored never went out: everyone
   * reads from the store what they missed.
   */
  z.object({t: z.literal('hello'), from: hubId, catchUp: z.boolean().optional()}),
]);
export type ClusterMessage = z.infer<typeof clusterMessage>;
/** A message before the sending hub signs it. */
export type ClusterOut = ClusterMessage extends infer M ? (M extends {from: string} ? Omit<M, 'from'> : never) : never;

/** A visitor as the hub serving it keeps it in Redis, for the other hubs' lists. */
export const presentVisitor = visitorSummary;
