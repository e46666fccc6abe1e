import {Command, Option} from 'commander';
import {clean} from '../lib/sanitize.js';
import type {SearchMatch} from '../protocol/index.js';
import type {ChatRecord} from '../store/types.js';
import type {AdminTarget, TargetOptions} from './admin-target.js';
import {callAdmin} from './call.js';
import {addTargetOptions, run, UsageError} from './common.js';
import {example, sub} from './help.js';
import {emit, JsonArrayOut} from './output.js';
import {pages} from './pages.js';
import type {Filter} from './transcripts-export.js';
import type {Format} from './transcripts-render.js';
import {sinceOption} from './when-option.js';
import {colours} from './colour.js';
import {refuseUnknownNames, type NamedFilter} from './unknown-names.js';

/*
 * `cac transcripts`: stored chats, listed, shown, exported and searched, whether a hub runs on
 * the data folder or not (all of it only reads). Lists stream a page at a time; data goes to
 * stdout, messages to stderr.
 */

interface FilterOptions extends TargetOptions {
  site?: string;
  since?: number;
  until?: number;
  operator?: string;
  visitor?: string;
}

function addFilterOptions(cmd: Command): Command {
  return cmd
    .option('--site <domain>', 'only chats on this site')
    .option('--since <when>', 'only chats requested at or after this: a date (ISO 8601) or a time ago (24h, 7d)', sinceOption)
    .option('--until <when>', 'only chats requested before this: a date (ISO 8601) or a time ago (24h, 7d)', sinceOption)
    .option('--operator <name>', 'only chats this operator took part in')
    .option('--visitor <id>', 'only this visitor\'s chats');
}

function filterOf(opts: FilterOptions): Filter {
  if (opts.since !== undefined && opts.until !== undefined && opts.since >= opts.until) throw new UsageError('--since must come before --until');
  return {site: opts.site, since: opts.since, until: opts.until, operator: opts.operator, visitorId: opts.visitor};
}

/** 2026-03-29T00:30:00Z: UTC, to the second, the same on every machine. */
function iso(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** At most `max` characters (code points), with … when cut. */
function short(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : text;
}

function chatLine(c: ChatRecord): string {
  const fields = [c.id, iso(c.requestedAt), clean(c.site), c.state, c.operators.map((o) => clean(o)).join(',') || '-', clean(c.visitorName) || '-', short(clean(c.firstText), 60)];
  return fields.join('\t') + '\n';
}

/** The text searched for, painted (bold red on a terminal) wherever it is in the line. */
function highlight(line: string, text: string, paint: (s: string) => string): string {
  const pattern = new RegExp(clean(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
  return line.replace(pattern, (found) => paint(found));
}

function matchLine(m: SearchMatch, text: string, paint: (s: string) => string): string {
  const line = clean(m.line);
  return `${m.chatId}  ${iso(m.at)}  ${clean(m.name)}: ${highlight(line, text, paint)}\n`;
}

/**
 * Prints every item of a paged listing as it comes: with --json one array, an element a line;
 * else a line each, and `none` on stderr when there was nothing.
 */
async function printAll<P extends {next?: string}, T>(
  opts: TargetOptions & {json?: boolean},
  fetch: (target: AdminTarget, cursor?: string) => Promise<P>,
  items: (page: P) => T[],
  line: (item: T) => string,
  none: string,
  filter: NamedFilter,
): Promise<void> {
  // The store and the schemas load only when a command runs (`cac --help` stays quick).
  const {adminTarget} = await import('./admin-target.js');
  const target = await adminTarget(opts);
  try {
    const json = opts.json ? new JsonArrayOut() : undefined;
    let n = 0;
    for await (const page of pages((cursor) => fetch(target, cursor))) {
      for (const item of items(page)) {
        n++;
        if (json) await json.item(item);
        else await emit(line(item));
      }
    }
    if (n === 0) await refuseUnknownNames(target.call.bind(target), filter);
    if (json) await json.end();
    else if (n === 0) process.stderr.write(`${none}\n`);
  } finally {
    await target.close();
  }
}

function list(opts: FilterOptions & {json?: boolean}): Promise<void> {
  const filter = filterOf(opts);
  return printAll(opts, (target, cursor) => target.call('transcripts.list', {...filter, cursor, limit: 500}), (p) => p.chats, chatLine, 'no chats', filter);
}

async function search(text: string, opts: FilterOptions & {json?: boolean; color?: boolean}): Promise<void> {
  const filter = filterOf(opts);
  if (text === '' || text.includes('\n')) throw new UsageError('give the text to search for, on one line');
  const {match} = await colours();
  const fetch = (target: AdminTarget, cursor?: string) => target.call('transcripts.search', {...filter, text, cursor});
  return printAll(opts, fetch, (p) => p.matches, (m) => matchLine(m, text, match), 'no matches', filter);
}

export function transcriptsCommand(): Command {
  const cmd = new Command('transcripts').description('stored chats: list, show, export and search them (with a hub running or not)');
  example(cmd, 'cac transcripts export --format html --out ./archive --since 30d');

  addFilterOptions(addTargetOptions(sub(cmd, 'list', 'list stored visitor chats, oldest first: id, start (UTC), site, state, operators, visitor, first message', 'cac transcripts list --site example.com --since 7d', 'cac transcripts list --operator alice --json | jq -r ".[].id"')))
    .option('--json', 'print as JSON: one array, a chat record a line')
    .action((opts) => run(() => list(opts)));

  addTargetOptions(sub(cmd, 'show <id>', 'print one chat\'s transcript', 'cac transcripts show 0mgx3k2a9-Qm5vT1bYc0dE7fGh --format html > chat.html'))
    .addOption(new Option('--format <format>', 'txt, html, json or eml').choices(['txt', 'html', 'json', 'eml']).default('txt'))
    .option('--json', 'the same as --format json')
    .action((id: string, opts: TargetOptions & {format: Format; json?: boolean}) =>
      run(async () => {
        const [data] = await callAdmin(opts, 'transcripts.get', {ids: [id]});
        // The renderers (and the mail composer) load only for the commands that render.
        const {render} = await import('./transcripts-render.js');
        await emit(await render(data!, opts.json ? 'json' : opts.format));
      }),
    );

  addFilterOptions(
    addTargetOptions(
      sub(
        cmd,
        'export',
        'write the transcripts of every matching chat: to stdout (txt, json, jsonl), or one file per chat in a folder (--out DIR; txt, html, json, eml); a file already there is left as it is',
        'cac transcripts export --since 7d > week.jsonl',
        'cac transcripts export --format html --out ./archive --site example.com',
      ),
    ),
  )
    .addOption(new Option('--format <format>', 'txt, html, json, jsonl or eml').choices(['txt', 'html', 'json', 'jsonl', 'eml']).default('jsonl'))
    .option('--out <dir>', 'a folder for one file per chat, or - for stdout (the default for txt, json and jsonl)')
    .action((opts) =>
      run(async () => {
        const filter = filterOf(opts);
        const {exportTranscripts} = await import('./transcripts-export.js');
        await exportTranscripts(opts, filter);
      }),
    );

  addFilterOptions(addTargetOptions(sub(cmd, 'search <text>', 'lines of messages, links and notes holding TEXT (any case): chat id, time (UTC), who, the line', 'cac transcripts search refund --since 30d', 'cac transcripts search "order 1234" --site example.com --json')))
    .option('--json', 'print as JSON: one array, a match a line')
    .option('--no-color', 'no colour, even on a terminal')
    .action((text: string, opts) => run(() => search(text, opts)));
  return cmd;
}
