import type {Erased, Pruned} from '../store.js';
import type {Db} from './connection.js';
import type {WriteTx} from './writer.js';

/*
 * Taking things out for good (a visitor's erasure, a retention period), each in one transaction.
 * Feed entries are not deleted but become `removed` entries keeping their cursor and time, so the
 * numbering a follower resumes from stays whole and nothing of what they said is left in it.
 */

/** The SET of an entry that becomes a `removed` one. */
const removed = (db: Db) => db`type = 'removed', site = NULL, chat_id = NULL, seq = NULL, visitor_id = NULL, doc = json_build_object('type', 'removed', 'at', at)`;

export async function eraseVisitor(w: WriteTx, id: string): Promise<Erased> {
  const {tx} = w;
  const [visitor] = await tx`SELECT chats FROM visitors WHERE id = ${id} FOR UPDATE`;
  const listed = (visitor?.chats as string[] | undefined) ?? [];
  const found = await tx`SELECT id FROM chats WHERE visitor_id = ${id} OR id = ANY(${listed}::text[]) ORDER BY id`;
  const chats = [...new Set([...listed, ...found.map((r) => r.id as string)])];
  const [counted] = await tx`SELECT count(*)::integer AS visits FROM visitor_lines WHERE visitor_id = ${id} AND start`;
  await tx`
    UPDATE feed SET ${removed(tx)}
    WHERE type <> 'removed' AND (visitor_id = ${id} OR chat_id = ANY(${chats}::text[]) OR strpos(doc::text, ${id}) > 0)`;
  await tx`DELETE FROM chats WHERE id = ANY(${chats}::text[])`;
  await tx`DELETE FROM visitors WHERE id = ${id}`;
  return {visitor: visitor !== undefined, chats, visits: counted!.visits as number};
}

export async function prune(w: WriteTx, cutoff: (site: string) => number | undefined): Promise<Pruned> {
  const {tx} = w;
  const known = await tx`
    SELECT site FROM chats WHERE kind = 'visitor' AND state = 'ended'
    UNION SELECT site FROM visitors
    UNION SELECT coalesce(site, '') FROM feed WHERE type <> 'removed'`;
  const sites: string[] = [];
  const befores: number[] = [];
  for (const {site} of known) {
    const before = cutoff(site as string);
    if (before === undefined) continue;
    sites.push(site as string);
    befores.push(before);
  }
  if (sites.length === 0) return {chats: 0, visits: 0};
  const cut = () => tx`SELECT * FROM unnest(${sites}::text[], ${befores}::float8[]) AS cut (site, before)`;
  const gone = await tx`
    DELETE FROM chats c USING (${cut()}) cut
    WHERE c.site = cut.site AND c.kind = 'visitor' AND c.state = 'ended' AND coalesce(c.ended_at, c.requested_at) < cut.before
    RETURNING c.id`;
  const goneIds = gone.map((r) => r.id as string);
  await tx`
    UPDATE feed f SET ${removed(tx)} FROM (${cut()}) cut
    WHERE f.type <> 'removed' AND coalesce(f.site, '') = cut.site AND f.at < cut.before`;
  // A visit ends with its last line (its last page, or its start when it has none).
  const lines = await tx`
    WITH ends AS (
      SELECT DISTINCT ON (l.visitor_id, l.visit_id) l.visitor_id, l.visit_id, l.at, cut.before
      FROM visitor_lines l JOIN visitors v ON v.id = l.visitor_id JOIN (${cut()}) cut ON cut.site = v.site
      ORDER BY l.visitor_id, l.visit_id, l.n DESC
    )
    DELETE FROM visitor_lines l USING ends
    WHERE l.visitor_id = ends.visitor_id AND l.visit_id = ends.visit_id AND ends.at < ends.before
    RETURNING l.start`;
  if (goneIds.length > 0) {
    await tx`
      UPDATE visitors SET chats = ARRAY(SELECT c FROM unnest(chats) AS c WHERE c <> ALL(${goneIds}::text[]))
      WHERE chats && ${goneIds}::text[]`;
  }
  // A visitor left with no visit and no chat goes too.
  await tx`
    DELETE FROM visitors v USING (${cut()}) cut
    WHERE v.site = cut.site AND cardinality(v.chats) = 0
      AND NOT EXISTS (SELECT 1 FROM visitor_lines l WHERE l.visitor_id = v.id AND l.start)`;
  return {chats: goneIds.length, visits: lines.filter((l) => l.start === true).length};
}
