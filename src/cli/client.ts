import {Command} from 'commander';
import {configPath, loadConfig, settingsOf} from '../client/config.js';
import {example} from './help.js';

export interface ClientCliOptions {
  hub?: string;
  operator?: string;
}

/** Hub, operator and token from the flags, CAC_TOKEN and the config file `cac login` wrote. */
export async function clientLogin(opts: ClientCliOptions, path = configPath()) {
  const config = await loadConfig(path);
  const hub = opts.hub ?? config.hub;
  const operator = opts.operator ?? config.operator;
  if (!hub || !operator) throw new Error('no hub or operator: run `cac login --hub URL --operator NAME` first, or pass --hub and --operator');
  // A saved token belongs to the operator it was saved for; never send it as someone else.
  const saved = operator === config.operator ? config.token : undefined;
  const token = process.env.CAC_TOKEN || saved;
  if (!token) throw new Error(`no token for ${operator}: run \`cac login\` or set CAC_TOKEN`);
  return {hub, operator, token, settings: settingsOf(config), configPath: path};
}

export function clientCommand(): Command {
  const cmd = new Command('client')
    .description('the operator terminal client: visitors, chat requests, chat panes')
    .option('--hub <url>', 'hub address, e.g. https://chat.example.com (default: from cac login)')
    .option('--operator <name>', 'operator name (default: from cac login)')
    .action(async (opts: ClientCliOptions) => {
      const login = await clientLogin(opts);
      if (!process.stdin.isTTY || !process.stdout.isTTY) throw new Error('cac client needs a terminal');
      // Ink and React load only for the commands that open the client.
      const {runClient} = await import('../client/run.js');
      await runClient(login);
      process.exit(0);
    });
  return example(cmd, 'cac client', 'cac client --hub https://chat.example.com --operator alice');
}
