import {Command} from 'commander';
import {clientCommand} from './client.js';
import {eventsCommand} from './events.js';
import {hubCommand} from './hub.js';
import {loginCommand} from './login.js';
import {operatorsCommand} from './operators.js';
import {sitesCommand} from './sites.js';
import {startCommand} from './start.js';

export function program(): Command {
  return new Command('cac')
    .description('cac: self-hosted live chat for websites, with a terminal operator client')
    .version('0.1.0')
    .showHelpAfterError()
    .addCommand(startCommand())
    .addCommand(hubCommand())
    .addCommand(loginCommand())
    .addCommand(clientCommand())
    .addCommand(eventsCommand())
    .addCommand(operatorsCommand())
    .addCommand(sitesCommand());
}

export async function main(argv: string[]): Promise<void> {
  await program().parseAsync(argv);
}
