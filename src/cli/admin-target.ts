import {mkdir} from 'node:fs/promises';
import {Agent as HttpAgent, request as httpRequest} from 'node:http';
import {Agent as HttpsAgent, request as httpsRequest} from 'node:https';
import {readApiFile} from '../admin/api-file.js';
import {OpError} from '../admin/error.js';
import {quickParse} from '../lib/quick-parse.js';
import {adminError, adminOps, type AdminInput, type AdminOpName, type AdminOutput} from '../protocol/index.js';
import {lockDataDir, lockHolder} from '../store/lock.js';
import {clientLogin} from './client.js';
import {databaseUrl, dataDir, redisUrl} from './common.js';

/** Where a command's operations go: a running hub (which applies them at once), or the folder. */
export interface AdminTarget {
  via: string;
  call<N extends AdminOpName>(name: N, input: AdminInput<N>): Promise<AdminOutput<N>>;
  close(): Promise<void>;
}

export interface TargetOptions {
  data?: string;
  /** A PostgreSQL database (several hubs' store) instead of a data folder, and its hubs' Redis. */
  database?: string;
  redis?: string;
  /** Use the hub and admin token saved by `cac login` (or CAC_TOKEN) instead of the data folder. */
  remote?: boolean;
  verbose?: boolean;
  /**
   * The command may make the data folder, or set one up in a folder holding other things
   * (`sites add`, `operators add`: how one is set up). Any other command refuses a folder that
   * holds no records: a mistyped --data must not pass for an empty install, nor leave a new
   * folder behind.
   */
  create?: boolean;
}

/** The hub could not be asked (down, or not answering): nothing was done. */
export class HubUnreachableError extends Error {
  override name = 'HubUnreachableError';
}

interface Answer {
  status: number;
  statusText: string;
  text: string;
}

/**
 * POSTs to the hub over one kept-alive connection (an export asks for hundreds of pages), each
 * answer read whole. Plain node:http: fetch's streams cost more than the pages they carry.
 */
function poster(url: string): {post(path: string, headers: Record<string, string>, body: string): Promise<Answer>; close(): void} {
  const secure = new URL(url).protocol === 'https:';
  const agent = secure ? new HttpsAgent({keepAlive: true}) : new HttpAgent({keepAlive: true});
  const send = secure ? httpsRequest : httpRequest;
  return {
    post: (path, headers, body) =>
      new Promise((resolve, reject) => {
        const req = send(`${url.replace(/\/$/, '')}${path}`, {method: 'POST', agent, headers: {...headers, 'content-length': Buffer.byteLength(body)}}, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', text: Buffer.concat(chunks).toString('utf8')}));
          // The operation may have run: this is not "could not be asked".
          res.on('error', (error) => reject(new Error(`the hub at ${url} broke off its answer: ${error.message}`)));
        });
        req.on('error', (error) => reject(new HubUnreachableError(`cannot reach the hub at ${url}: ${error.message}`)));
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

function remote(url: string, headers: Record<string, string>, via: string): AdminTarget {
  const hub = poster(url);
  return {
    via,
    async call(name, input) {
      const res = await hub.post(`/api/admin/${name}`, {'content-type': 'application/json', ...headers}, JSON.stringify(input));
      let body: unknown;
      try {
        body = JSON.parse(res.text);
      } catch {
        body = undefined;
      }
      // Parsed here, the answer is ours to keep as it is once checked (copied only if it must be).
      if (res.status >= 200 && res.status < 300) return quickParse(adminOps[name].output, body, {reuse: true}) as AdminOutput<typeof name>;
      const refused = adminError.safeParse(body);
      if (refused.success) throw new OpError(refused.data.error.code, refused.data.error.message);
      throw new HubUnreachableError(`the hub at ${url} answered ${res.status} ${res.statusText}`);
    },
    close: async () => hub.close(),
  };
}

/**
 * Finds the way to the data: `--remote` asks the hub `cac login` saved, as that admin; else a
 * hub running on the data folder is asked through the address and key it left there; else the
 * command takes the folder's lock (the one a hub takes, so neither can start meanwhile) and does
 * the work itself.
 */
export async function adminTarget(opts: TargetOptions): Promise<AdminTarget> {
  const target = await find(opts);
  if (opts.verbose) process.stderr.write(`cac: ${target.via}\n`);
  return target;
}

async function find(opts: TargetOptions): Promise<AdminTarget> {
  if (opts.remote) {
    const login = await clientLogin({});
    return remote(login.hub, {authorization: `Bearer ${login.token}`, 'x-cac-operator': login.operator}, `through the hub at ${login.hub} as ${login.operator}`);
  }
  const database = databaseUrl(opts);
  if (database) {
    const {databaseTarget} = await import('./database-target.js');
    return databaseTarget(database, redisUrl(opts));
  }
  const dir = dataDir(opts);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const holder = await lockHolder(dir);
    if (holder && !holder.cli) {
      const api = await readApiFile(dir);
      if (api && api.pid === holder.pid) return remote(api.url, {authorization: `Bearer ${api.key}`}, `through the hub at ${api.url} (pid ${api.pid})`);
      // A hub that is starting has the lock but no address yet.
      if (Date.now() > deadline) throw new HubUnreachableError(`a hub (pid ${holder.pid}) holds ${dir} but gives no address`);
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    // The store and the operations load only here: a command asking a hub has no use for them.
    const [{EmbeddedStore}, {folderContext}, {runOp}, {folderHolds}] = await Promise.all([
      import('../store/embedded-store.js'),
      import('../admin/context.js'),
      import('../admin/ops.js'),
      import('../store/migrate.js'),
    ]);
    const holds = await folderHolds(dir);
    if (holds === 'file') throw new OpError('not_found', `${dir} is a file, not a data folder: give --data DIR or set CAC_DATA`);
    // Setting up may go into a folder that holds something already (a volume's lost+found).
    if (!opts.create && holds === 'other') throw new OpError('not_found', `${dir} is not a cac data folder (it holds other files): give --data DIR or set CAC_DATA`);
    if (!opts.create && holds === 'nothing') throw new OpError('not_found', `no cac data folder at ${dir}: give --data DIR or set CAC_DATA (a first cac sites add makes one)`);
    // A first `cac sites add` or `operators add` makes the folder (a hub would too).
    await mkdir(dir, {recursive: true, mode: 0o700});
    const unlock = await lockDataDir(dir, {cli: true});
    // With the journal, as a hub opens it: what a crashed hub left there is applied first, so
    // a hub started later cannot replay it over this command's change. Nothing else is served
    // meanwhile, so files are read synchronously (faster, for an export of many chats).
    const store = new EmbeddedStore(dir, {journal: true, syncReads: true});
    try {
      await store.open();
    } catch (error) {
      await unlock();
      throw error;
    }
    const ctx = folderContext(store, dir);
    return {
      via: `on the data folder ${dir} (no hub runs on it)`,
      call: (name, input) => runOp(ctx, name, input),
      async close() {
        await store.close();
        await unlock();
      },
    };
  }
}

/** Runs one operation wherever it goes, then lets go of the target. */
export async function callAdmin<N extends AdminOpName>(opts: TargetOptions, name: N, input: AdminInput<N>): Promise<AdminOutput<N>> {
  const target = await adminTarget(opts);
  try {
    return await target.call(name, input);
  } finally {
    await target.close();
  }
}
