import {Command} from 'commander';
import {addOperator, listOperators, removeOperator, resetToken} from '../accounts/operators.js';
import {addDataOption, openStore, printJson, run} from './common.js';

export function operatorsCommand(): Command {
  const cmd = new Command('operators').description('add, list and remove operator accounts');

  addDataOption(cmd.command('add <name>'))
    .description('add an operator and print its login token (shown once, only a hash is kept)')
    .option('--admin', 'give the operator the admin role')
    .option('--display-name <name>', 'name visitors see (default: the login name)')
    .option('--site <domain...>', 'sites this operator monitors (default: all)')
    .option('--json', 'print the result as JSON')
    .action((name: string, opts) =>
      run(async () => {
        const store = await openStore(opts);
        const {operator, token} = await addOperator(store, name, {admin: opts.admin, displayName: opts.displayName, sites: opts.site});
        if (opts.json) printJson({name: operator.name, role: operator.role, token});
        else {
          process.stdout.write(`added ${operator.role} ${operator.name}\n`);
          process.stdout.write(`login token (shown only now): ${token}\n`);
          process.stdout.write(`log in with: cac login --operator ${operator.name}\n`);
        }
      }),
    );

  addDataOption(cmd.command('list'))
    .description('list operators')
    .option('--json', 'print as JSON')
    .action((opts) =>
      run(async () => {
        const ops = await listOperators(await openStore(opts));
        const rows = ops.map((o) => ({name: o.name, displayName: o.displayName, role: o.role, sites: o.sites}));
        if (opts.json) printJson(rows);
        else if (rows.length === 0) process.stdout.write('no operators; add one with: cac operators add NAME --admin\n');
        else for (const r of rows) process.stdout.write(`${r.name}\t${r.role}\t${r.displayName}\t${r.sites.join(',') || 'all sites'}\n`);
      }),
    );

  addDataOption(cmd.command('remove <name>'))
    .description('remove an operator; its live sessions are closed at once')
    .action((name: string, opts) =>
      run(async () => {
        await removeOperator(await openStore(opts), name);
        process.stdout.write(`removed ${name}\n`);
      }),
    );

  addDataOption(cmd.command('reset-token <name>'))
    .description('issue a new login token; live sessions with the old one are closed')
    .option('--json', 'print as JSON')
    .action((name: string, opts) =>
      run(async () => {
        const token = await resetToken(await openStore(opts), name);
        if (opts.json) printJson({name, token});
        else process.stdout.write(`new login token for ${name} (shown only now): ${token}\n`);
      }),
    );
  return cmd;
}
