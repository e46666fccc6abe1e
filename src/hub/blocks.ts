import {nextLocalMidnight} from '../lib/midnight.js';
import {randomId} from '../lib/secrets.js';
import type {BlockRecord} from '../store/types.js';
import type {Hub} from './hub.js';

/** The block in force for this visitor (by id or by address) on this site, if any. */
export function activeBlock(hub: Hub, site: string, visitorId: string, ip: string): BlockRecord | undefined {
  const now = hub.now();
  return hub.globals.blocks.blocks.find((b) => b.site === site && b.until > now && (b.visitorId === visitorId || (ip !== '' && b.ip === ip)));
}

/** Blocks a visitor (and its address) until the next local date begins in the site's time zone. */
export async function addBlock(
  hub: Hub,
  block: {site: string; visitorId: string; ip: string; by: string; chatId?: string},
): Promise<number> {
  const timezone = hub.sessions.findSite(block.site)?.timezone ?? 'UTC';
  const now = hub.now();
  const until = nextLocalMidnight(now, timezone);
  const doc = hub.globals.blocks;
  // Expired blocks are history nobody consults; keep the document small.
  doc.blocks = doc.blocks.filter((b) => b.until > now);
  doc.blocks.push({id: randomId(), ...block, until, at: now});
  // Asked for together, so both go to disk in one write.
  const entry = {type: 'visitor.blocked', at: now, site: block.site, visitorId: block.visitorId, chatId: block.chatId, operator: block.by, until} as const;
  await Promise.all([hub.putGlobal('blocks', doc), hub.record(entry)]);
  return until;
}
