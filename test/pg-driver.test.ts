import {mkdirSync, writeFileSync} from 'node:fs';
import {connect, createServer, type AddressInfo, type Socket} from 'node:net';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import postgres from 'postgres';
import t from 'tap';
import {unpatchedDriver} from '../src/store/pg/driver-patch.js';
import {recordCrashes} from './helpers/crashes.js';
import {noPostgres, testPostgres} from './helpers/postgres.js';

/*
 * The PostgreSQL driver as the project patches it (patches/README.md): a connection the server
 * ends must fail what waits on it, never throw outside a query nor hand its error to the next
 * connection. Each case here ends a Node process with the driver as released (3.4.9).
 */

// The driver the tests load from node_modules, and the one `bin/cac.js` runs, vendored into the
// bundle by scripts/build-cli.js (what an install of the packed package has).
const vendored = new URL('../dist/bundle/vendor/postgres.mjs', import.meta.url).href;
const drivers: Array<[string, typeof postgres]> = [
  ['as installed', postgres],
  ['as bundled', ((await import(vendored)) as {default: typeof postgres}).default],
];

t.test('whether the driver installed carries the patch', async (t) => {
  t.equal(unpatchedDriver(), undefined, 'the install applied it');
  const released = t.testdir();
  mkdirSync(join(released, 'src'));
  writeFileSync(join(released, 'src', 'index.js'), 'function release() {}');
  t.match(unpatchedDriver(released), /lacks the project's patch \(src\/connection\.js, src\/index\.js in .*run `npx patch-package`/, 'a driver as released (or a file missing): the files named, and what to do');
});

const missing = noPostgres();
if (missing) {
  t.test('the PostgreSQL driver, patched', {skip: missing}, () => {});
} else {
  const crashes = recordCrashes();

  const pg = await testPostgres();
  t.teardown(() => pg.stop());
  /** What a query came to: its rows, its error's message, or no answer (a hung connection). */
  const outcome = (query: Promise<readonly unknown[]>): Promise<unknown> =>
    Promise.race([query.then((rows) => [...rows], (error: Error) => `failed: ${error.message}`), sleep(5000).then(() => 'no answer in 5 s')]);

  for (const [where, driver] of drivers) {
    t.test(`${where}: a reserved connection whose backend was ended: its next query fails, nothing is thrown outside it`, async (t) => {
      crashes.length = 0;
      const sql = driver(pg.url, {max: 1, onnotice: () => {}});
      t.teardown(() => sql.end({timeout: 0}));
      const reserved = await sql.reserve();
      const [row] = await reserved`SELECT pg_backend_pid() AS pid`;
      await pg.admin`SELECT pg_terminate_backend(${row!.pid as number})`;
      await sleep(200);
      const answer = await outcome(reserved`SELECT 1`);
      await sleep(200);
      t.match(answer, /^failed: write CONNECTION_CLOSED/, 'the query fails at once');
      t.same(crashes, [], 'nothing uncaught');
      reserved.release();
      const next = [];
      for (let i = 0; i < 3; i++) next.push(await outcome(sql`SELECT 2 AS two`));
      t.same(next, [[{two: 2}], [{two: 2}], [{two: 2}]], 'once released, the pool serves the next queries (on a new connection)');
    });

    t.test(`${where}: a connection ended while the driver reads the server's types: the first query runs on the next one`, async (t) => {
      crashes.length = 0;
      // A pass-through that answers the first types query as pg_terminate_backend would: the
      // server's FATAL 57P01, then the connection closed.
      const target = Number(new URL(pg.url).port);
      let ended = 0;
      const proxy = createServer((client: Socket) => {
        const server = connect(target, '127.0.0.1');
        client.on('data', (data: Buffer) => {
          if (ended === 0 && data.includes('typarray')) {
            ended++;
            client.end(terminated());
            server.destroy();
            return;
          }
          server.write(data);
        });
        server.pipe(client);
        client.on('error', () => server.destroy());
        server.on('error', () => client.destroy());
        client.on('close', () => server.destroy());
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      t.teardown(() => new Promise((r) => proxy.close(r)));
      const url = new URL(pg.url);
      url.port = String((proxy.address() as AddressInfo).port);
      const sql = driver(url.toString(), {max: 1, onnotice: () => {}});
      t.teardown(() => sql.end({timeout: 0}));
      const answer = await outcome(sql`SELECT 1 AS one`);
      await sleep(200);
      t.equal(ended, 1, 'the first connection was ended during its types query');
      t.same(answer, [{one: 1}], "the query ran on the next connection, not failed with the first one's error");
      t.same(crashes, [], 'nothing uncaught');
    });
  }
}

/** The server's ErrorResponse for a terminated backend (FATAL 57P01). */
function terminated(): Buffer {
  const fields = Buffer.concat(
    [['S', 'FATAL'], ['V', 'FATAL'], ['C', '57P01'], ['M', 'terminating connection due to administrator command']].map(([k, v]) => Buffer.from(`${k}${v}\0`)),
  );
  const body = Buffer.concat([fields, Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
