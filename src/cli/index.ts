import {Command, CommanderError} from 'commander';
import {VERSION} from '../lib/version.js';
import {blocksCommand} from './blocks.js';
import {cannedCommand} from './canned.js';
import {completionCommand} from './completion.js';
import {dbCommand} from './db.js';
import {messagesCommand} from './messages.js';
import {privacyCommand} from './privacy.js';
import {visitorsCommand} from './visitors.js';
import {statusCommand} from './status.js';
import {clientCommand} from './client.js';
import {eventsCommand} from './events.js';
import {hubCommand} from './hub.js';
import {loginCommand} from './login.js';
import {operatorsCommand} from './operators.js';
import {sitesCommand} from './sites.js';
import {startCommand} from './start.js';
import {transcriptsCommand} from './transcripts.js';
import {example} from './help.js';

export function program(): Command {
  const cli = new Command('cac')
    .description('cac: self-hosted live chat for websites, with a terminal operator client')
    .version(VERSION)
    .showHelpAfterError()
    // chalk reads NO_COLOR and --no-color itself; declared so that commander accepts it anywhere.
    .option('--no-color', 'no colours, even on a terminal (also: NO_COLOR=1)')
    .addCommand(startCommand())
    .addCommand(hubCommand())
    .addCommand(loginCommand())
    .addCommand(clientCommand())
    .addCommand(eventsCommand())
    .addCommand(operatorsCommand())
    .addCommand(sitesCommand())
    .addCommand(blocksCommand())
    .addCommand(cannedCommand())
    .addCommand(messagesCommand())
    .addCommand(visitorsCommand())
    .addCommand(privacyCommand())
    .addCommand(transcriptsCommand())
    .addCommand(statusCommand())
    .addCommand(dbCommand())
    .addCommand(completionCommand(program));
  return example(cli, 'cac start', 'cac sites add example.com --hub https://chat.example.com', 'cac transcripts export --format html --out ./archive --since 30d');
}

/** Every command, and every command below it, exits 2 on a usage error (bad flag, missing argument). */
function usageExits(cmd: Command): void {
  cmd.showHelpAfterError();
  cmd.exitOverride((error: CommanderError) => {
    const shown = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
    process.exit(shown ? 0 : 2);
  });
  for (const child of cmd.commands) usageExits(child);
}

export async function main(argv: string[]): Promise<void> {
  const cli = program();
  usageExits(cli);
  // `cac help NAME` for a command there is not: commander shows the general help and exits 0.
  const [first, asked] = argv.slice(2);
  if (first === 'help' && asked !== undefined && !asked.startsWith('-') && !cli.commands.some((c) => c.name() === asked || c.aliases().includes(asked))) {
    process.stderr.write(`cac: no command ${JSON.stringify(asked)}; cac --help lists them\n`);
    process.exit(2);
  }
  await cli.parseAsync(argv);
}
