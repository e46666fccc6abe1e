import {createInterface} from 'node:readline/promises';
import {Command} from 'commander';
import {callAdmin} from './call.js';
import {addTargetOptions, printJson, run, UsageError} from './common.js';
import {example, sub} from './help.js';

async function confirmed(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new UsageError('not on a terminal: pass --yes to erase without asking');
  const rl = createInterface({input: process.stdin, output: process.stderr});
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function privacyCommand(): Command {
  const cmd = new Command('privacy').description('what is kept about a visitor: hand it over, or erase it');
  example(cmd, 'cac privacy export --visitor 8Jq0xPzM > visitor.json', 'cac privacy erase --visitor 8Jq0xPzM --yes');

  addTargetOptions(sub(cmd, 'export', 'everything kept about a visitor, as one JSON document on stdout', 'cac privacy export --visitor 8Jq0xPzM > visitor.json'))
    .requiredOption('--visitor <id>', 'the visitor\'s id')
    .action((opts) =>
      run(async () => {
        printJson(await callAdmin(opts, 'privacy.export', {visitorId: opts.visitor}));
      }),
    );

  addTargetOptions(sub(cmd, 'erase', 'erase a visitor: record, visits, chats, blocks and left messages', 'cac privacy erase --visitor 8Jq0xPzM --yes'))
    .requiredOption('--visitor <id>', 'the visitor\'s id')
    .option('--yes', 'do not ask first')
    .option('--json', 'print what was removed as JSON')
    .action((opts) =>
      run(async () => {
        if (!opts.yes && !(await confirmed(`Erase visitor ${opts.visitor} and every chat, visit, block and message of theirs? (y/N) `))) {
          process.stderr.write('nothing erased\n');
          process.exitCode = 1;
          return;
        }
        const erased = await callAdmin(opts, 'privacy.erase', {visitorId: opts.visitor});
        if (opts.json) return printJson(erased);
        process.stdout.write(
          `erased visitor ${erased.visitorId}: ${erased.chats.length} chat(s), ${erased.visits} visit(s), ${erased.blocks} block(s), ${erased.messages} left message(s)\n`,
        );
      }),
    );
  return cmd;
}
