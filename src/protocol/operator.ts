import {z} from 'zod';
import {
  canned,
  chatEvent,
  chatId,
  chatRecord,
  chatSummary,
  clientId,
  offlineMessage,
  operatorName,
  operatorStatus,
  operatorSummary,
  pageView,
  shortText,
  text,
  url,
  visitorSummary,
} from './common.js';
import {errorFrame} from './errors.js';

/** Frames the operator client sends to the hub (after authenticating in the HTTP upgrade). */
export const operatorToHub = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('hello'),
    v: z.number().int(),
    /** Last seq seen per chat; the hub replays everything after it. */
    lastSeq: z.record(z.string(), z.number().int().nonnegative()).optional(),
  }),
  z.object({t: z.literal('status'), status: operatorStatus}),
  z.object({t: z.literal('chat.accept'), chatId}),
  z.object({t: z.literal('msg'), id: clientId, chatId, text}),
  /** Starts or continues an operator-to-operator conversation. */
  z.object({t: z.literal('op.msg'), id: clientId, to: operatorName, text}),
  z.object({t: z.literal('typing'), chatId, typing: z.boolean()}),
  z.object({t: z.literal('chat.leave'), chatId}),
  z.object({t: z.literal('chat.end'), chatId}),
  z.object({t: z.literal('chat.block'), chatId}),
  z.object({t: z.literal('link.send'), id: clientId, chatId, url}),
  z.object({t: z.literal('chat.sync'), chatId, after: z.number().int().nonnegative()}),
  z.object({t: z.literal('visitor.details'), visitorId: z.string().max(64)}),
  z.object({t: z.literal('visitor.visits'), visitorId: z.string().max(64)}),
  z.object({t: z.literal('visitor.chats'), visitorId: z.string().max(64)}),
  z.object({t: z.literal('canned.add'), shortcut: shortText.min(1), text, team: z.boolean().optional()}),
  z.object({t: z.literal('canned.edit'), id: z.string().max(64), shortcut: shortText.min(1), text}),
  z.object({t: z.literal('canned.remove'), id: z.string().max(64)}),
  /** Offers an owned chat to another operator alone, with a note the visitor never sees. */
  z.object({t: z.literal('chat.transfer'), chatId, to: operatorName, note: shortText.optional()}),
  /** Turns down a chat offered to me; it goes back to waiting for everyone. */
  z.object({t: z.literal('chat.decline'), chatId}),
  /** Opens a browsing visitor's widget with my greeting. */
  z.object({t: z.literal('visitor.invite'), visitorId: z.string().max(64), text: shortText.optional()}),
  /** Everything a transcript of the chat is made of (save, copy, e-mail). */
  z.object({t: z.literal('chat.export'), chatId}),
  /** A left message is answered: it disappears for every operator. */
  z.object({t: z.literal('message.done'), id: z.string().max(64)}),
  z.object({t: z.literal('ping')}),
]);
export type OperatorToHub = z.infer<typeof operatorToHub>;

export const visitSchema = z.object({
  id: z.string(),
  start: z.number(),
  end: z.number(),
  ip: z.string(),
  location: z.string().optional(),
  browser: z.string(),
  os: z.string(),
  userAgent: z.string(),
  referrer: z.string().optional(),
  pages: z.array(pageView),
});
export type Visit = z.infer<typeof visitSchema>;

/** A visitor's line in the lists changed (arrived, moved on, went off-line, asked for a chat...). */
const visitorUpdate = z.object({t: z.literal('visitor.update'), visitor: visitorSummary});

/** Frames the hub sends to an operator client. */
export const hubToOperator = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('ready'),
    me: operatorSummary,
    hub: z.string(),
    operators: z.array(operatorSummary),
    visitors: z.array(visitorSummary),
    chats: z.array(chatSummary),
    messages: z.array(offlineMessage),
    canned: z.array(canned),
  }),
  visitorUpdate,
  /**
   * Several `visitor.update`s, to apply in order: the hub holds list updates for a moment and
   * sends what gathered as one frame (ten thousand visitors back after a restart would be a
   * million frames to a hundred operators).
   */
  z.object({t: z.literal('visitor.updates'), updates: z.array(visitorUpdate)}),
  z.object({t: z.literal('visitor.gone'), visitorId: z.string()}),
  /** A visitor asks to chat (or a chat went back to waiting): ring. */
  z.object({t: z.literal('chat.requested'), chat: chatSummary}),
  z.object({t: z.literal('chat.update'), chat: chatSummary}),
  z.object({t: z.literal('chat.assigned'), chatId: z.string(), operator: z.string()}),
  z.object({t: z.literal('ev'), chatId: z.string(), e: chatEvent}),
  z.object({t: z.literal('synced'), chatId: z.string(), seq: z.number()}),
  z.object({t: z.literal('ack'), id: z.string(), seq: z.number(), chatId: z.string()}),
  z.object({
    t: z.literal('typing'),
    chatId: z.string(),
    typing: z.boolean(),
    preview: z.string().optional(),
  }),
  z.object({t: z.literal('operator.update'), operator: operatorSummary}),
  z.object({t: z.literal('offline.message'), message: offlineMessage}),
  z.object({
    t: z.literal('visitor.details'),
    visitor: visitorSummary,
    visit: visitSchema.optional(),
  }),
  z.object({t: z.literal('visitor.visits'), visitorId: z.string(), visits: z.array(visitSchema)}),
  z.object({t: z.literal('visitor.chats'), visitorId: z.string(), chats: z.array(chatSummary)}),
  z.object({t: z.literal('canned.list'), canned: z.array(canned)}),
  /** A chat is offered to me alone (a transfer): the note and the last messages. */
  z.object({
    t: z.literal('chat.offer'),
    chat: chatSummary,
    from: z.string(),
    note: z.string().optional(),
    recent: z.array(chatEvent),
    until: z.number(),
  }),
  /** What became of a transfer I made or was offered. */
  z.object({
    t: z.literal('transfer.result'),
    chatId: z.string(),
    to: z.string(),
    outcome: z.enum(['accepted', 'declined', 'timeout', 'offline']),
  }),
  /** What became of my invitation. */
  z.object({t: z.literal('invite.result'), visitorId: z.string(), outcome: z.enum(['accepted', 'dismissed'])}),
  z.object({t: z.literal('message.done'), id: z.string()}),
  /** A chat as a transcript needs it: its record, every event (operator notes too), the visit. */
  z.object({
    t: z.literal('chat.export'),
    chat: chatRecord,
    events: z.array(chatEvent),
    site: z.object({domain: z.string(), timezone: z.string()}),
    visit: visitSchema.optional(),
    operators: z.record(z.string(), z.string()),
  }),
  errorFrame,
  z.object({t: z.literal('pong')}),
]);
export type HubToOperator = z.infer<typeof hubToOperator>;

