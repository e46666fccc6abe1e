// The package's own export key: "lib/mail-composer/index.js" goes through a wildcard that not
// every loader resolves the way Node does.
import MailComposer from 'nodemailer/lib/mail-composer';
import type {OfflineMessage} from '../protocol/index.js';
import type {SiteRecord} from '../store/types.js';
import {transcriptHtml} from './html.js';
import {transcriptOf, visible} from './model.js';
import type {Transcript, TranscriptInput} from './model.js';
import {transcriptText} from './text.js';
import {dateTimeIn, zoneOf} from './time.js';
import {wrap} from './wrap.js';

/*
 * E-mail drafts as .eml files (RFC 5322), composed but never sent. `X-Unsent: 1` makes Outlook,
 * Thunderbird and Apple Mail open the file as a new message to edit and send, so the operator
 * reads (and may trim) what goes out, and it leaves from their own mail account.
 *
 * The Date header comes from the records (mail clients set their own when the draft is sent);
 * the Message-ID and the part boundaries are random, as nodemailer makes them.
 */

export interface TranscriptEmlInput extends TranscriptInput {
  /** Recipient; when absent the visitor's address, if it is a plausible one. */
  to?: string;
  from?: string;
}

export interface OfflineReplyInput {
  message: OfflineMessage;
  site?: SiteRecord;
  from?: string;
}

/** A visitor typed their address into a form: only a plain addr-spec is used, nothing to parse. */
const PLAIN_ADDRESS = /^[^\s@<>()[\]\\,;:"\p{Cc}]+@[^\s@<>()[\]\\,;:"\p{Cc}]+\.[^\s@<>()[\]\\,;:"\p{Cc}]+$/u;

function visitorAddress(name: string | undefined, email: string | undefined): {name: string; address: string} | undefined {
  const address = email?.trim();
  if (!address || address.length > 254 || !PLAIN_ADDRESS.test(address)) return undefined;
  return {name: name ?? '', address};
}

/** Addresses given by the caller (an operator's own) are theirs to get right; one line, though. */
function oneLine(address: string | undefined): string | undefined {
  return address?.replace(/[\r\n]+/g, ' ');
}

function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer({
    ...options,
    headers: {'X-Unsent': '1'},
    // The content is given in full; nodemailer must never fetch a file or URL for it.
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: 'windows',
  })
    .compile()
    .build();
}

/** "Chat with Eve on example.com, 2026-03-29" */
export function transcriptSubject(t: Transcript): string {
  return `${t.title}, ${t.date}`;
}

/** A draft e-mail with the transcript: HTML, with the plain text as the alternative. */
export function transcriptEml(input: TranscriptEmlInput): Promise<Buffer> {
  const t = transcriptOf(input);
  const to = oneLine(input.to) ?? visitorAddress(t.visitorName, t.visitorEmail);
  const last = t.entries.at(-1)?.at;
  return compose({
    ...(input.from ? {from: oneLine(input.from)} : {}),
    ...(to ? {to} : {}),
    subject: transcriptSubject(t),
    date: new Date(input.chat.endedAt ?? last ?? input.chat.requestedAt),
    text: transcriptText(input),
    html: transcriptHtml(input),
  });
}

/** A draft reply to a message left while nobody was on-line, the visitor's words quoted. */
export function offlineReplyEml({message, site, from}: OfflineReplyInput): Promise<Buffer> {
  const domain = visible(site?.domain ?? message.site);
  const name = message.name?.trim() ? visible(message.name.trim()) : undefined;
  const to = visitorAddress(name, message.email);
  const quoted = visible(message.text, true)
    .split('\n')
    .flatMap((line) => wrap(line, 76))
    .map((line) => (line === '' ? '>' : `> ${line}`));
  const text = [
    name ? `Hello ${name},` : 'Hello,',
    '',
    '',
    '',
    ...wrap(`On ${dateTimeIn(message.at, zoneOf(site))}, you wrote on ${domain}:`, 78),
    ...quoted,
    '',
  ].join('\n');
  return compose({
    ...(from ? {from: oneLine(from)} : {}),
    ...(to ? {to} : {}),
    subject: `Re: your message on ${domain}`,
    date: new Date(message.at),
    text,
  });
}
