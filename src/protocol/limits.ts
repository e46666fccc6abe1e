/**
 * The abuse limits a site may set (`cac sites set --limit NAME=N`): what one address (or one
 * visitor) may make the hub do on that site. The defaults are the hub's (src/hub/abuse.ts). No
 * schema library here, so that the command line can name them without loading one.
 */
export const limitNames = [
  'identities-per-minute',
  'requests-per-minute',
  'messages-per-hour',
  'messages-kept',
  'pages-per-minute',
  'sockets-per-address',
  'typing-per-second',
] as const;
export type LimitName = (typeof limitNames)[number];
