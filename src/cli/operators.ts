import {Command} from 'commander';
import {callAdmin} from './call.js';
import {addTargetOptions, notBoth, printJson, run, UsageError} from './common.js';
import {example, sub} from './help.js';

export function operatorsCommand(): Command {
  const cmd = new Command('operators').description('add, list and remove operator accounts');
  example(cmd, 'cac operators add alice --admin --display-name "Alice B."');

  addTargetOptions(sub(cmd, 'add <name>', 'add an operator and print its login token (shown once, only a hash is kept)', 'cac operators add bob --site example.com'))
    .option('--admin', 'give the operator the admin role')
    .option('--display-name <name>', 'name visitors see (default: the login name)')
    .option('--site <domain...>', 'sites this operator monitors (default: all)')
    .option('--json', 'print the result as JSON')
    .action((name: string, opts) =>
      run(async () => {
        const {operator, token} = await callAdmin({...opts, create: true}, 'operators.add', {name, admin: opts.admin, displayName: opts.displayName, sites: opts.site});
        if (opts.json) printJson({name: operator.name, role: operator.role, token});
        else {
          // The token is the data (TOKEN=$(cac operators add bob) keeps it); the rest is for a person.
          process.stderr.write(`added ${operator.role} ${operator.name}; login token (shown only now):\n`);
          process.stdout.write(`${token}\n`);
          process.stderr.write(`log in with: cac login --hub URL --operator ${operator.name}   (URL: the hub's address, e.g. https://chat.example.com)\n`);
        }
      }),
    );

  addTargetOptions(sub(cmd, 'list', 'list operators', 'cac operators list --json | jq -r \'.[].name\''))
    .option('--json', 'print as JSON')
    .action((opts) =>
      run(async () => {
        const rows = await callAdmin(opts, 'operators.list', {});
        if (opts.json) printJson(rows);
        else if (rows.length === 0) process.stderr.write('no operators; add one with: cac operators add NAME --admin\n');
        else for (const r of rows) process.stdout.write(`${r.name}\t${r.role}\t${r.displayName}\t${r.sites.join(',') || 'all sites'}\n`);
      }),
    );

  addTargetOptions(sub(cmd, 'remove <name>', 'remove an operator; its live sessions are closed at once', 'cac operators remove bob'))
    .action((name: string, opts) =>
      run(async () => {
        await callAdmin(opts, 'operators.remove', {name});
        process.stdout.write(`removed ${name}\n`);
      }),
    );

  addTargetOptions(sub(cmd, 'set <name>', 'change an operator: name shown, role, sites (a new role or sites ends its sessions)', 'cac operators set bob --site example.com --site shop.example.com'))
    .option('--display-name <name>', 'name visitors see')
    .option('--admin', 'give the admin role')
    .option('--no-admin', 'take the admin role away')
    .option('--site <domain...>', 'sites this operator monitors')
    .option('--all-sites', 'monitor every site')
    .option('--json', 'print as JSON')
    .action((name: string, opts, command: Command) =>
      run(async () => {
        notBoth(command, 'admin');
        if (opts.site && opts.allSites) throw new UsageError('give --site or --all-sites, not both');
        const op = await callAdmin(opts, 'operators.set', {name, displayName: opts.displayName, admin: opts.admin, sites: opts.allSites ? [] : opts.site});
        if (opts.json) printJson(op);
        else process.stdout.write(`${op.name}\t${op.role}\t${op.displayName}\t${op.sites.join(',') || 'all sites'}\n`);
      }),
    );

  addTargetOptions(sub(cmd, 'reset-token <name>', 'issue a new login token; live sessions with the old one are closed', 'cac operators reset-token bob'))
    .option('--json', 'print as JSON')
    .action((name: string, opts) =>
      run(async () => {
        const {token} = await callAdmin(opts, 'operators.resetToken', {name});
        if (opts.json) printJson({name, token});
        else {
          process.stderr.write(`new login token for ${name} (shown only now):\n`);
          process.stdout.write(`${token}\n`);
        }
      }),
    );
  return cmd;
}
