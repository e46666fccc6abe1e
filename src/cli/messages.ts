import {Command} from 'commander';
import {clean} from '../lib/sanitize.js';
import {adminCaller, callAdmin} from './call.js';
import {addTargetOptions, printJson, run} from './common.js';
import {example, sub} from './help.js';
import {refuseUnknownNames} from './unknown-names.js';

export function messagesCommand(): Command {
  const cmd = new Command('messages').description('messages visitors left while no operator was on-line');
  example(cmd, 'cac messages list --site example.com');

  addTargetOptions(sub(cmd, 'list', 'list left messages not yet done, oldest first', 'cac messages list --json | jq \'.[] | .email\''))
    .option('--site <domain>', 'only this site\'s')
    .option('--json', 'print as JSON')
    .action((opts) =>
      run(async () => {
        const list = await callAdmin(opts, 'messages.list', {site: opts.site});
        if (list.length === 0) await refuseUnknownNames(adminCaller(opts), {site: opts.site});
        if (opts.json) return printJson(list);
        if (list.length === 0) process.stderr.write('no left messages\n');
        for (const m of list) {
          const who = [m.name, m.email && `<${m.email}>`].filter(Boolean).join(' ') || `visitor ${m.visitorId}`;
          process.stdout.write(`${m.id}\t${new Date(m.at).toISOString()}\t${m.site}\t${clean(who)}\t${clean(m.text)}\n`);
        }
      }),
    );

  addTargetOptions(sub(cmd, 'done <id>', 'mark a left message answered: it goes from every operator\'s inbox', 'cac messages done 3fZ9kq'))
    .action((id: string, opts) =>
      run(async () => {
        await callAdmin(opts, 'messages.done', {id});
        process.stdout.write(`done ${id}\n`);
      }),
    );
  return cmd;
}
