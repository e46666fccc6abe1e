import {z} from 'zod';

/**
 * Every code the hub may put in an `error` frame, to operators and visitors alike: a closed set,
 * so a peer can act on a code knowing it is one of these. An `error` frame means the frame it
 * answers changed nothing; `ref` names that frame (its `id`, else its `chatId`) when it had one.
 */
export const errorCode = z.enum([
  // Talking to the hub at all.
  /** hello carried another protocol version than the hub's; the socket is then closed. */
  'version',
  /** A frame other than hello came before hello. */
  'hello_first',
  /** A second hello on the same socket. */
  'hello_twice',
  /** A visitor's hello names another site than the one its socket was opened for. */
  'site',
  /**
   * The frame is not JSON or does not match the protocol (the message names the first problem),
   * or it carries an id another visitor's left message has (ids are the clients' own, random).
   */
  'invalid',
  /** A binary frame: frames are JSON text. */
  'binary',
  /** Frames came faster than the hub takes them; those over the limit are dropped. */
  'flood',
  /** The hub failed unexpectedly while handling the frame; nothing was changed. */
  'internal',

  // Storage.
  /** The hub could not write the change to disk; nothing was changed, send it again. */
  'not_stored',
  /** A stored record the frame needs could not be read. */
  'damaged',

  // Visitors.
  /** A visitor sent too many messages or requests in a minute. */
  'slow_down',
  /** A visitor sent a message while it has no open chat. */
  'no_chat',
  /** A blocked visitor tried to leave a message. */
  'blocked',
  /**
   * A visitor has already left as many offline messages as one visitor may; or an operator (or
   * the team) has as many canned responses as are kept.
   */
  'too_many',
  /** The hub holds as many offline messages as it keeps; none can be left until some go. */
  'full',

  // Chats.
  /** A message or action for a chat that has ended. */
  'chat_ended',
  /** No such chat, or not one this operator may see. */
  'unknown_chat',
  /** An operator acted on a chat another operator has (or nobody has yet). */
  'not_owner',
  /** An operator accepted a chat that is already active: someone (maybe they) has it. */
  'taken',
  /** No left message with that id (someone marked it done already). */
  'unknown_message',
  /**
   * A transfer or invitation that cannot be made (to yourself, to someone off-line, twice in a
   * visit); or an account change that would leave no admin.
   */
  'not_possible',
  /** link.send with an address that cannot be made into a page of the chat's site. */
  'bad_link',

  // Operators' other requests.
  /** op.msg to an operator that does not exist, or to oneself. */
  'unknown_operator',
  /** Details asked about a visitor that does not exist or is not on this operator's sites. */
  'unknown_visitor',
  /** canned.remove of a response that does not exist or this operator may not remove. */
  'unknown_canned',

  // The admin API (the cac command line talking to a running hub).
  /** The credentials are missing, wrong or not an admin's. */
  'unauthorized',
  /** The thing asked for (operator, site, block, response, message, visitor, chat) does not exist. */
  'not_found',
  /** What was to be added exists already. */
  'exists',
]);
export type ErrorCode = z.infer<typeof errorCode>;

/** The hub's refusal of one frame, sent to operators and visitors alike. */
export const errorFrame = z.object({
  t: z.literal('error'),
  code: errorCode,
  message: z.string(),
  /** The refused frame's `id` (else its `chatId`), so the peer can drop what it was waiting on. */
  ref: z.string().optional(),
});
export type ErrorFrame = z.infer<typeof errorFrame>;
