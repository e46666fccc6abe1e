import {Command, InvalidArgumentError} from 'commander';
import {parseWhen} from '../lib/when.js';
import {feedTypeNames, type FeedTypeName as FeedType} from '../protocol/feed-types.js';
import {clientLogin} from './client.js';
import type {Since} from './events-stream.js';

interface EventsCliOptions {
  follow?: boolean;
  site?: string[];
  type?: FeedType[];
  since?: Since;
  hub?: string;
  operator?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parseType(value: string, previous: FeedType[] = []): FeedType[] {
  if (!(feedTypeNames as readonly string[]).includes(value)) throw new InvalidArgumentError(`not an event type; one of: ${feedTypeNames.join(', ')}`);
  return [...previous, value as FeedType];
}

/** A cursor (a whole number), else a date or a duration back from now. */
export function parseSince(value: string, now = Date.now()): Since {
  if (/^\d+$/.test(value)) return {cursor: Number(value)};
  const from = parseWhen(value, now);
  if (from === undefined) throw new InvalidArgumentError('give a cursor (42), a date (2026-01-15, 2026-01-15T09:30Z) or how long ago (7d, 24h, 30m)');
  return {from};
}

export function eventsCommand(): Command {
  return new Command('events')
    .description("print the hub's events as JSON lines: visitors, pages, chats, operators (with --follow, as they happen)")
    .option('-f, --follow', 'keep printing events as they happen; reconnects by itself and resumes where it was')
    .option('--site <domain>', 'only events of this site (repeatable)', collect)
    .option('--type <type>', `only events of this type (repeatable): ${feedTypeNames.join(', ')}`, parseType)
    .option('--since <cursor|date>', 'events after this cursor, or from a date (ISO 8601) or a time ago (7d, 24h, 30m)', (v) => parseSince(v))
    .option('--hub <url>', 'hub address (default: from cac login)')
    .option('--operator <name>', 'operator name (default: from cac login); the token is from cac login or CAC_TOKEN')
    .showHelpAfterError()
    // A usage error (unknown flag, bad date) exits 2, as command-line tools do.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .addHelpText(
      'after',
      `
Each line is one event with its cursor, e.g.
  {"cursor":42,"at":1768471200000,"type":"chat.message","site":"example.com","chatId":"...","seq":3,"event":{...}}
Without --follow the history is printed (all of it, or from --since) and the command exits;
with --follow and no --since, it starts from now. After a lost connection it says so on
stderr, reconnects and goes on after the last cursor printed.

Examples:
  cac events --follow --type chat.requested --type chat.message
  cac events --since 24h --site example.com > today.jsonl
  cac events --follow --since 1234      # resume after the last cursor you saw`,
    )
    .action(async (opts: EventsCliOptions) => {
      const login = await clientLogin(opts);
      // `cac events | head` closes the pipe early: that is the reader being done, not a failure.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1));
      process.on('SIGINT', () => process.exit(0));
      const {streamEvents} = await import('./events-stream.js');
      await streamEvents({
        hub: login.hub,
        operator: login.operator,
        token: login.token,
        follow: opts.follow ?? false,
        sites: opts.site ?? [],
        types: opts.type ?? [],
        since: opts.since,
        out: process.stdout,
        say: (line) => process.stderr.write(line + '\n'),
      });
    });
}
