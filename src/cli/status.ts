import {Command} from 'commander';
import {callAdmin} from './call.js';
import {colours} from './colour.js';
import {addTargetOptions, printJson, run} from './common.js';
import {example} from './help.js';

function size(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}

export function statusCommand(): Command {
  return example(
    addTargetOptions(new Command('status'))
      .description('is a hub up; who is on-line; open chats; the data folder\'s size')
      .option('--json', 'print as JSON')
      .action((opts) =>
        run(async () => {
          const s = await callAdmin(opts, 'status', {});
          if (opts.json) return printJson(s);
          const c = await colours();
          // A database is read directly: whether hubs run on it is theirs to say (/healthz).
          const database = s.dataDir.includes('://');
          const lines = [
            s.hub.up ? `hub: ${c.ok('up')} (cac ${s.hub.version}, pid ${s.hub.pid}, ${s.hub.url})` : database ? `hubs: not asked (read from the database)` : `hub: ${c.warn('not running')} on ${s.dataDir}`,
            ...(s.visitorsOnline === undefined ? [] : [`visitors on-line: ${s.visitorsOnline}`]),
            ...(s.operatorsOnline === undefined ? [] : [`operators on-line: ${s.operatorsOnline.map((o) => `${o.name} (${o.status})`).join(', ') || 'none'}`]),
            `open chats: ${s.openChats}`,
            database ? `database: ${s.dataDir}` : `data folder: ${s.dataDir} (${size(s.dataBytes)})`,
          ];
          process.stdout.write(lines.join('\n') + '\n');
        }),
      ),
    'cac status --json | jq .openChats',
  );
}
