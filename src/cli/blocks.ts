import {Command} from 'commander';
import {adminCaller, callAdmin} from './call.js';
import {addTargetOptions, printJson, run, UsageError} from './common.js';
import {example, sub} from './help.js';
import {parseUntil} from './when-option.js';
import {refuseUnknownNames} from './unknown-names.js';

export function blocksCommand(): Command {
  const cmd = new Command('blocks').description('visitors kept from chatting (until the site\'s midnight, unless told otherwise)');
  example(cmd, 'cac blocks add --site example.com --ip 203.0.113.7 --until 7d');

  addTargetOptions(sub(cmd, 'list', 'list blocks in force', 'cac blocks list --site example.com --json'))
    .option('--site <domain>', 'only this site\'s')
    .option('--all', 'include blocks that have ended')
    .option('--json', 'print as JSON')
    .action((opts) =>
      run(async () => {
        const list = await callAdmin(opts, 'blocks.list', {site: opts.site, all: opts.all});
        if (list.length === 0) await refuseUnknownNames(adminCaller(opts), {site: opts.site});
        if (opts.json) return printJson(list);
        if (list.length === 0) process.stderr.write('no blocks in force\n');
        for (const b of list) {
          const who = [b.visitorId && `visitor ${b.visitorId}`, b.ip && `address ${b.ip}`].filter(Boolean).join(', ');
          process.stdout.write(`${b.id}\t${b.site}\t${who}\tuntil ${new Date(b.until).toISOString()}\tby ${b.by}\n`);
        }
      }),
    );

  addTargetOptions(sub(cmd, 'add', 'block a visitor (by id) or an address on a site', 'cac blocks add --site example.com --visitor 8Jq0xPzM --until 2026-12-24'))
    .requiredOption('--site <domain>', 'the site the block applies to')
    .option('--visitor <id>', 'the visitor\'s id (from cac visitors list or the client)')
    .option('--ip <address>', 'the visitor\'s address')
    .option('--until <when>', 'when it ends: a date (ISO 8601) or a time from now (30m, 24h, 7d); default: the site\'s next midnight')
    .option('--json', 'print as JSON')
    .action((opts) =>
      run(async () => {
        if (!opts.visitor && !opts.ip) throw new UsageError('give --visitor ID or --ip ADDRESS (or both)');
        const until = opts.until === undefined ? undefined : parseUntil(opts.until);
        const block = await callAdmin(opts, 'blocks.add', {site: opts.site, visitorId: opts.visitor, ip: opts.ip, until});
        if (opts.json) printJson(block);
        else process.stdout.write(`blocked on ${block.site} until ${new Date(block.until).toISOString()} (${block.id})\n`);
      }),
    );

  addTargetOptions(sub(cmd, 'remove <id>', 'lift a block at once (the visitor may ask for a chat right away)', 'cac blocks remove 5cQ2mZ'))
    .action((id: string, opts) =>
      run(async () => {
        const block = await callAdmin(opts, 'blocks.remove', {id});
        process.stdout.write(`lifted ${block.id} on ${block.site}\n`);
      }),
    );
  return cmd;
}
