import {Command} from 'commander';
import {clean} from '../lib/sanitize.js';
import {adminCaller, callAdmin} from './call.js';
import {addTargetOptions, printJson, run} from './common.js';
import {example, sub} from './help.js';
import {refuseUnknownNames} from './unknown-names.js';

const when = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export function visitorsCommand(): Command {
  const cmd = new Command('visitors').description('the visitors of your sites: who is on-line, their visits and chats');
  example(cmd, 'cac visitors list --online');

  addTargetOptions(sub(cmd, 'list', 'list visitors, newest first (--online: those on a page now)', 'cac visitors list --site example.com --json | jq -r \'.[].id\''))
    .option('--online', 'only visitors on-line now (needs a running hub)')
    .option('--site <domain>', 'only this site\'s')
    .option('--json', 'print as JSON (an array)')
    .action((opts) =>
      run(async () => {
        const all = [];
        let listed = 0;
        let cursor: string | undefined;
        do {
          const page = await callAdmin(opts, 'visitors.list', {site: opts.site, online: opts.online, cursor, limit: 1000});
          listed += page.visitors.length;
          if (!opts.json) {
            for (const v of page.visitors) {
              const who = [v.name, v.email && `<${v.email}>`].filter(Boolean).join(' ') || '-';
              const where = v.online ? `on-line${v.page ? ` at ${v.page.url}` : ''}` : 'off-line';
              process.stdout.write(`${v.id}\t${v.site}\t${when(v.firstSeen)}\t${clean(who)}\t${v.chats} chat${v.chats === 1 ? '' : 's'}\t${clean(where)}\n`);
            }
          } else all.push(...page.visitors);
          cursor = page.next;
        } while (cursor);
        if (listed === 0) await refuseUnknownNames(adminCaller(opts), {site: opts.site});
        if (opts.json) printJson(all);
      }),
    );

  addTargetOptions(sub(cmd, 'show <id>', 'one visitor: visits with their pages, and chats', 'cac visitors show 8Jq0xPzM'))
    .option('--json', 'print as JSON')
    .action((id: string, opts) =>
      run(async () => {
        const {visitor: v, visits, chats} = await callAdmin(opts, 'visitors.show', {id});
        if (opts.json) return printJson({visitor: v, visits, chats});
        const out = [`visitor ${v.id} on ${v.site}, first seen ${when(v.firstSeen)}${v.online ? ', on-line now' : ''}`];
        if (v.name || v.email) out.push(`name: ${clean(v.name ?? '-')}   e-mail: ${clean(v.email ?? '-')}`);
        out.push(`visits (${visits.length}, newest first):`);
        for (const visit of visits) {
          const from = visit.referrer ? `from ${clean(visit.referrer)}` : 'came directly';
          out.push(`  ${when(visit.start)}  ${visit.pages.length} page${visit.pages.length === 1 ? '' : 's'}  ${from}  ${clean(visit.location ?? '')}  ${visit.ip}  ${clean(visit.browser)} on ${clean(visit.os)}`);
          for (const p of visit.pages) out.push(`    ${when(p.at)}  ${clean(p.title)}  ${clean(p.url)}`);
        }
        out.push(`chats (${chats.length}):`);
        for (const c of chats) out.push(`  ${c.id}  ${when(c.requestedAt)}  ${c.state}  ${c.operators.join(', ') || '-'}  ${clean(c.firstText ?? '')}`);
        process.stdout.write(out.join('\n') + '\n');
      }),
    );
  return cmd;
}
