import {Command} from 'commander';
import {clean} from '../lib/sanitize.js';
import {callAdmin} from './call.js';
import {addTargetOptions, printJson, run, UsageError} from './common.js';
import {example, sub} from './help.js';

export function cannedCommand(): Command {
  const cmd = new Command('canned').description('the team\'s and each operator\'s canned responses');
  example(cmd, 'cac canned add hours "We answer from 9:00 to 18:00, Monday to Friday."');

  addTargetOptions(sub(cmd, 'list', 'list canned responses (the team\'s, and with --operator that operator\'s own)', 'cac canned list --operator alice --json'))
    .option('--operator <name>', 'the responses this operator is offered')
    .option('--json', 'print as JSON')
    .action((opts) =>
      run(async () => {
        const list = await callAdmin(opts, 'canned.list', {operator: opts.operator});
        if (opts.json) return printJson(list);
        if (list.length === 0) process.stderr.write('no canned responses\n');
        for (const c of list) process.stdout.write(`${c.id}\t#${clean(c.shortcut)}\t${c.owner ? clean(c.owner) : 'team'}\t${clean(c.text)}\n`);
      }),
    );

  addTargetOptions(sub(cmd, 'add <shortcut> <text>', 'add a response: for the team (default) or one operator', 'cac canned add refund "Refunds take 5 days." --operator alice'))
    .option('--team', 'for every operator (the default)')
    .option('--operator <name>', 'only for this operator')
    .option('--json', 'print as JSON')
    .action((shortcut: string, text: string, opts) =>
      run(async () => {
        if (opts.team && opts.operator) throw new UsageError('give --team or --operator, not both');
        const item = await callAdmin(opts, 'canned.add', {shortcut: shortcut.replace(/^#/, ''), text, operator: opts.operator});
        if (opts.json) printJson(item);
        else process.stdout.write(`added #${item.shortcut} (${item.id}) for ${item.owner ?? 'the team'}\n`);
      }),
    );

  addTargetOptions(sub(cmd, 'remove <id>', 'remove a response, by id or #shortcut', 'cac canned remove "#refund"'))
    .action((id: string, opts) =>
      run(async () => {
        const item = await callAdmin(opts, 'canned.remove', {id});
        process.stdout.write(`removed #${item.shortcut} (${item.id})\n`);
      }),
    );
  return cmd;
}
