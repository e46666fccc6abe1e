/**
 * Every kind of feed entry (see events.ts), without a schema library, so that the command line
 * can name them in --help without loading one.
 */
export const feedTypeNames = [
  'visitor.arrived',
  'page.viewed',
  'visitor.left',
  'chat.requested',
  'chat.accepted',
  'chat.message',
  'link.sent',
  'chat.left',
  'chat.ended',
  'visitor.blocked',
  'transfer.offered',
  'transfer.declined',
  'invitation.sent',
  'invitation.answered',
  'operator.status',
  'removed',
] as const;
export type FeedTypeName = (typeof feedTypeNames)[number];
