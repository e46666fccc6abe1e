import type {Pool} from './connection.js';

/*
 * The schema, as numbered migrations: each runs once, in order, in the transaction that records
 * it in `schema_migrations`; a hub starting runs what is missing (several hubs starting at once
 * wait for each other on an advisory lock), and `cac db migrate` runs them alone. A migration
 * once released is never edited: a change is a new one.
 *
 * Records are kept as `json` (their text, as the hub wrote it), never `jsonb`: a visitor's
 * message may hold a NUL character, which jsonb cannot. So SQL never looks inside a document;
 * what queries filter and order on is kept in columns beside it, written with it.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'chats, events, visitors, visits, the feed and global records',
    sql: `
CREATE TABLE globals (
  name text PRIMARY KEY,
  doc json NOT NULL
);

CREATE TABLE chats (
  id text COLLATE "C" PRIMARY KEY,
  kind text NOT NULL,
  site text NOT NULL,
  visitor_id text COLLATE "C",
  state text NOT NULL,
  owner text,
  offer_to text,
  operators text[] NOT NULL,
  requested_at double precision NOT NULL,
  ended_at double precision,
  last_seq integer NOT NULL DEFAULT 0,
  doc json NOT NULL
);
CREATE INDEX chats_served ON chats (id) WHERE kind = 'op' OR state <> 'ended';
CREATE INDEX chats_requested ON chats (requested_at, id);
CREATE INDEX chats_site ON chats (site, requested_at, id);
CREATE INDEX chats_visitor ON chats (visitor_id);
CREATE INDEX chats_operators ON chats USING gin (operators);

CREATE TABLE events (
  chat_id text COLLATE "C" NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  client_id text,
  doc json NOT NULL,
  PRIMARY KEY (chat_id, seq),
  UNIQUE (chat_id, client_id)
);

CREATE TABLE visitors (
  id text COLLATE "C" PRIMARY KEY,
  site text NOT NULL,
  first_seen double precision NOT NULL,
  chats text[] NOT NULL,
  last_line integer NOT NULL DEFAULT 0,
  doc json NOT NULL
);
CREATE INDEX visitors_listed ON visitors (first_seen DESC, id);
CREATE INDEX visitors_site ON visitors (site, first_seen DESC, id);

CREATE TABLE visitor_lines (
  visitor_id text COLLATE "C" NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
  n integer NOT NULL,
  visit_id text NOT NULL,
  start boolean NOT NULL,
  at double precision NOT NULL,
  doc json NOT NULL,
  PRIMARY KEY (visitor_id, n)
);
CREATE INDEX visitor_lines_visit ON visitor_lines (visitor_id, visit_id, n);

CREATE TABLE feed_end (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  last bigint NOT NULL
);
INSERT INTO feed_end (last) VALUES (0);

CREATE TABLE feed (
  cursor bigint PRIMARY KEY,
  at double precision NOT NULL,
  type text NOT NULL,
  site text,
  chat_id text COLLATE "C",
  seq integer,
  visitor_id text COLLATE "C",
  doc json NOT NULL
);
CREATE INDEX feed_at ON feed (at, cursor);
CREATE INDEX feed_chat ON feed (chat_id) WHERE chat_id IS NOT NULL;
CREATE INDEX feed_visitor ON feed (visitor_id) WHERE visitor_id IS NOT NULL;
`,
  },
];

export const SCHEMA_VERSION = Math.max(...migrations.map((m) => m.version));

export interface Migrated {
  /** The versions this call applied, oldest first. */
  applied: number[];
  version: number;
}

/** Brings the schema up to date; refuses a database whose schema is newer than this code. */
export async function migrate(pool: Pool, schema: string): Promise<Migrated> {
  return pool.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext(${`cac migrations ${schema}`}))`;
    await tx`CREATE SCHEMA IF NOT EXISTS ${tx(schema)}`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Set((await tx`SELECT version FROM schema_migrations`).map((r) => r.version as number));
    const newest = Math.max(0, ...done);
    if (newest > SCHEMA_VERSION) {
      throw new Error(`the database's schema is at version ${newest}, newer than this cac knows (${SCHEMA_VERSION}): run a newer cac`);
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.unsafe(m.sql);
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${m.version}, ${m.name})`;
      applied.push(m.version);
    }
    return {applied, version: SCHEMA_VERSION};
  });
}
