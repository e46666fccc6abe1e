import type {TranscriptData} from '../protocol/index.js';
import type {SiteRecord} from '../store/types.js';
import {transcriptHtml} from '../transcript/html.js';
import {transcriptJson} from '../transcript/json.js';
import type {TranscriptInput} from '../transcript/model.js';
import {exportFileName} from '../transcript/names.js';
import {transcriptText} from '../transcript/text.js';

/*
 * What `cac transcripts show` and `export` write for one chat, rendered here from the records
 * the hub (or the folder) hands out, with the same renderers the operator client uses.
 */

export const FORMATS = ['txt', 'html', 'json', 'jsonl', 'eml'] as const;
export type Format = (typeof FORMATS)[number];

function siteOf(data: TranscriptData): SiteRecord {
  return {domain: data.site.domain, timezone: data.site.timezone, aliases: [], url: '', preview: false};
}

export function inputOf(data: TranscriptData): TranscriptInput {
  return {chat: data.chat, events: data.events, site: siteOf(data), visit: data.visit, operators: data.operators};
}

/** One chat in one format. */
export async function render(data: TranscriptData, format: Format): Promise<string | Buffer> {
  const input = inputOf(data);
  if (format === 'txt') return transcriptText(input);
  if (format === 'html') return transcriptHtml(input);
  if (format === 'json') return JSON.stringify(transcriptJson(input), null, 2) + '\n';
  if (format === 'jsonl') return JSON.stringify(transcriptJson(input)) + '\n';
  // A draft addressed to the visitor: operator-only notes stay out, as in the client's Alt+E. The
  // mail composer loads only for it (it is most of what an export would load otherwise).
  const {transcriptEml} = await import('../transcript/eml.js');
  return transcriptEml({...input, includePrivate: false});
}

/** The file one chat is exported to. */
export function fileNameOf(data: TranscriptData, format: Format): string {
  return exportFileName(data.chat, siteOf(data), format);
}
