/*
 * Transcripts of a stored chat: plain text, a standalone HTML5 document, JSON, and an e-mail
 * draft (.eml). Shared by the operator client (save, copy, e-mail) and the command line (export),
 * so it takes plain records and returns strings and buffers: no files, no network, no clock.
 */
export type {Entry, Field, PageEntry, Transcript, TranscriptInput} from './model.js';
export {httpHref, transcriptOf, visible} from './model.js';
export {TEXT_WIDTH, entryLine, transcriptText} from './text.js';
export {transcriptHtml} from './html.js';
export {TRANSCRIPT_JSON_VERSION, transcriptJson} from './json.js';
export type {TranscriptJson} from './json.js';
export {offlineReplyEml, transcriptEml, transcriptSubject} from './eml.js';
export type {OfflineReplyInput, TranscriptEmlInput} from './eml.js';
export {exportFileName, safeNamePart, transcriptFileName} from './names.js';
export {columns, wrap} from './wrap.js';
