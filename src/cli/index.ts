import type {Command} from 'commander';
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
import {rootCommand, runCommandLine} from './root.js';

export function program(): Command {
  const cli = rootCommand()
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

export async function main(argv: string[]): Promise<void> {
  await runCommandLine(program(), argv);
}
