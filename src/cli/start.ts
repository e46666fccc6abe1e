import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {Command} from 'commander';
import {configPath, loadConfig, settingsOf} from '../client/config.js';
import type {Store} from '../store/store.js';
import {addDataOption, dataDir, run} from './common.js';
import {example} from './help.js';
import {parsePort, runHub} from './hub.js';

export const ADMIN_TOKEN_FILE = 'admin.token';

/** First run: a `localhost` demo site and an admin whose token is kept in the data folder. */
export async function bootstrap(store: Pick<Store, 'global' | 'putGlobal'>, data: string, port: number): Promise<{tokenFile: string; created: boolean}> {
  const {addOperator, listOperators} = await import('../accounts/operators.js');
  const {addSite, listSites} = await import('../accounts/sites.js');
  const tokenFile = join(data, ADMIN_TOKEN_FILE);
  let created = false;
  if ((await listSites(store)).length === 0) {
    await addSite(store, 'localhost', {
      aliases: ['127.0.0.1'],
      url: `http://localhost:${port}/demo/`,
      timezone: 'UTC',
      origins: [`http://localhost:${port}`, `http://127.0.0.1:${port}`],
    });
    created = true;
  }
  if ((await listOperators(store)).length === 0) {
    const {token} = await addOperator(store, 'admin', {admin: true, displayName: 'Admin'});
    await writeFile(tokenFile, token + '\n', {mode: 0o600});
    await chmod(tokenFile, 0o600);
    created = true;
  }
  return {tokenFile, created};
}

export async function readAdminToken(data: string): Promise<string | undefined> {
  return (await readFile(join(data, ADMIN_TOKEN_FILE), 'utf8').catch(() => ''))?.trim() || undefined;
}

export function startCommand(): Command {
  const cmd = addDataOption(new Command('start'))
    .description('run the product on this machine: hub with a demo site and an admin operator')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--log <file>', 'append the hub log to a file instead of stderr')
    .option('--no-client', 'run the hub only, even in a terminal')
    .action((opts: {host: string; port: string; data?: string; log?: string; client: boolean}) => run(() => start(opts)));
  return example(cmd, 'cac start', 'cac start --data ./cac-data --port 8080 --no-client');
}

/** A write to a terminal that was closed fails: nobody is left to read it. Anything else is thrown. */
function terminalGone(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EIO' && error.code !== 'EPIPE') throw error;
}

async function start(opts: {host: string; port: string; data?: string; log?: string; client: boolean}): Promise<void> {
  parsePort(opts.port); // before the folder is made: a typo leaves nothing behind
  const data = dataDir(opts);
  // In a terminal the client owns the screen: the hub must not write over it, so its log
  // goes to a file in the data folder.
  const interactive = opts.client && Boolean(process.stdin.isTTY && process.stdout.isTTY);
  await mkdir(data, {recursive: true});
  // The client's terminal closing (SIGHUP) stops the hub with it, as cleanly as Ctrl+C would.
  // Until then the client may still draw: on a closed terminal that fails (EIO), and must not end
  // the process before the hub has written out its journal.
  if (interactive) for (const stream of [process.stdout, process.stderr]) stream.on('error', terminalGone);
  const running = await runHub({...opts, log: opts.log ?? (interactive ? join(data, 'hub.log') : undefined)}, interactive ? ['SIGHUP'] : []);
  // After listening, so the demo site's links use the real port (which may be ephemeral).
  // Through the running hub's own store: one writer per data folder.
  const {tokenFile, created} = await bootstrap(running.hub.store, data, running.port);
  await running.hub.reloadAccounts();
  const out = process.stdout;
  if (created) out.write(`created demo site "localhost" and operator "admin"\n`);
  out.write(`cac hub:   ${running.url}   (data in ${data})\n`);
  out.write(`demo page: http://localhost:${running.port}/demo/\n`);
  out.write(`admin token is kept in ${tokenFile} (mode 0600)\n`);
  out.write(`operator client: cac client --hub ${running.url} --operator admin (token from that file)\n`);
  if (!interactive) return;
  const token = await readAdminToken(data);
  if (!token) {
    out.write(`no ${tokenFile}: running the hub alone\n`);
    return;
  }
  const path = configPath();
  const config = await loadConfig(path).catch(() => ({}));
  // Ink and React load only for the commands that open the client.
  const {runClient} = await import('../client/run.js');
  await runClient({hub: running.url, operator: 'admin', token, settings: settingsOf(config), configPath: path});
  await running.close();
  process.exit(0);
}
