import {z} from 'zod';
import {chatEvent, chatState, clientId, shortText, text, url} from './common.js';
import {errorFrame} from './errors.js';

const email = z.string().max(200).optional();
const name = z.string().trim().max(80).optional();

/** Frames a visitor's widget sends to the hub. */
export const visitorToHub = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('hello'),
    v: z.number().int(),
    site: z.string().max(253),
    visitorId: z.string().max(64).optional(),
    resumeToken: z.string().max(128).optional(),
    /** Present on a real page load; absent when the same page only reconnects. */
    page: z.object({url, title: shortText, referrer: url.optional()}).optional(),
    lastSeq: z.number().int().nonnegative().optional(),
  }),
  z.object({t: z.literal('page'), url, title: shortText, referrer: url.optional()}),
  z.object({t: z.literal('chat.request'), id: clientId, name, email, text}),
  z.object({t: z.literal('msg'), id: clientId, text}),
  z.object({t: z.literal('typing'), typing: z.boolean(), preview: z.string().max(4000).optional()}),
  z.object({t: z.literal('chat.leave')}),
  z.object({t: z.literal('identify'), name, email}),
  z.object({t: z.literal('offline.message'), id: clientId, name, email, text}),
  /** The visitor closed an invitation without answering it. */
  z.object({t: z.literal('invite.dismiss')}),
  z.object({t: z.literal('ping')}),
]);
export type VisitorToHub = z.infer<typeof visitorToHub>;

/** Frames the hub sends to a visitor's widget. */
export const hubToVisitor = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('welcome'),
    visitorId: z.string(),
    resumeToken: z.string(),
    /** Someone is on-line to answer a chat request right now. */
    online: z.boolean(),
    preview: z.boolean(),
    blockedUntil: z.number().optional(),
    chat: z
      .object({id: z.string(), state: chatState, operator: z.string().optional()})
      .optional(),
  }),
  z.object({t: z.literal('chat.queued'), chatId: z.string()}),
  z.object({t: z.literal('chat.offline')}),
  z.object({t: z.literal('chat.refused'), reason: z.string(), until: z.number().optional()}),
  z.object({t: z.literal('ack'), id: z.string(), seq: z.number()}),
  z.object({t: z.literal('ev'), chatId: z.string(), e: chatEvent}),
  z.object({t: z.literal('typing'), typing: z.boolean(), name: z.string()}),
  z.object({t: z.literal('link.open'), url: z.string()}),
  z.object({
    t: z.literal('chat.closed'),
    chatId: z.string(),
    reason: z.enum(['ended', 'blocked', 'left']),
    until: z.number().optional(),
  }),
  z.object({t: z.literal('offline.stored'), id: z.string()}),
  /** An operator invites the visitor to chat: the widget opens with the greeting. */
  z.object({t: z.literal('invite'), name: z.string(), text: z.string()}),
  /** Someone became available to answer, or nobody is any more. */
  z.object({t: z.literal('online'), online: z.boolean()}),
  errorFrame,
  z.object({t: z.literal('pong')}),
]);
export type HubToVisitor = z.infer<typeof hubToVisitor>;
