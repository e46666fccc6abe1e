import type {Command} from 'commander';

/** Adds examples under a command's --help (every command has at least one). */
export function example(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText('after', `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/** Commander's collector for a repeatable option. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A subcommand with its description and examples. */
export function sub(parent: Command, usage: string, description: string, ...examples: string[]): Command {
  return example(parent.command(usage).description(description), ...examples);
}
