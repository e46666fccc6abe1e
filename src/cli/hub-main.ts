import {hubCommand} from './hub.js';
import {rootCommand, runCommandLine} from './root.js';

/**
 * `cac hub` on its own: the entry of the hub's bundle (scripts/build-cli.js), which bin/cac.js
 * loads for `cac hub` instead of the whole command line, compiled from a code cache
 * (src/cli/code-cache.ts). The command is the same one `cac` lists, under the same root.
 */
export async function main(argv: string[]): Promise<void> {
  await runCommandLine(rootCommand().addCommand(hubCommand()), argv);
}
