import {Command, CommanderError} from 'commander';
import {VERSION} from '../lib/version.js';

/**
 * The `cac` command without its subcommands: what every start of the binary parses with. The
 * full command line (index.ts) and `cac hub`'s own bundle (hub-main.ts) both begin here, so a
 * hub started either way takes the same options and says the same things.
 */
export function rootCommand(): Command {
  return (
    new Command('cac')
      .description('cac: self-hosted live chat for websites, with a terminal operator client')
      .version(VERSION)
      .showHelpAfterError()
      // chalk reads NO_COLOR and --no-color itself; declared so that commander accepts it anywhere.
      .option('--no-color', 'no colours, even on a terminal (also: NO_COLOR=1)')
  );
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

/** Parses `argv` with `cli` and runs the command it names. */
export async function runCommandLine(cli: Command, argv: string[]): Promise<void> {
  usageExits(cli);
  // `cac help NAME` for a command there is not: commander shows the general help and exits 0.
  const [first, asked] = argv.slice(2);
  if (first === 'help' && asked !== undefined && !asked.startsWith('-') && !cli.commands.some((c) => c.name() === asked || c.aliases().includes(asked))) {
    process.stderr.write(`cac: no command ${JSON.stringify(asked)}; cac --help lists them\n`);
    process.exit(2);
  }
  await cli.parseAsync(argv);
}
