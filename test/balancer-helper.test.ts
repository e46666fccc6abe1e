import {createServer, get, type Server} from 'node:http';
import t from 'tap';
import {WebSocket, WebSocketServer} from 'ws';
import {noHaproxy, startBalancer} from './helpers/balancer.js';
import {freePort} from './helpers/spawn.js';

/*
 * The HAProxy of test/helpers/balancer.ts in front of two tiny backends (HTTP plus a WebSocket
 * echo, each saying its name): requests spread, a cookie or query parameter pins, sockets pass,
 * and a backend that dies or reports itself unhealthy is left out.
 */

interface Backend {
  name: string;
  port: number;
  /** What GET /healthz answers: 200, or 503 as a hub that lost its store or Redis. */
  healthy: boolean;
  start(): Promise<void>;
  /** Closes the listener and cuts every connection, as a killed process would. */
  kill(): Promise<void>;
}

async function backend(t: {teardown(fn: () => unknown): void}, name: string): Promise<Backend> {
  const port = await freePort();
  let server: Server | undefined;
  let sockets: WebSocketServer | undefined;
  const b: Backend = {
    name,
    port,
    healthy: true,
    async start() {
      server = createServer((req, res) => {
        const status = req.url === '/healthz' && !b.healthy ? 503 : 200;
        res.writeHead(status, {'Content-Type': 'application/json'}).end(JSON.stringify({name}));
      });
      sockets = new WebSocketServer({server});
      sockets.on('connection', (ws) => ws.on('message', (data) => ws.send(`${name}: ${String(data)}`)));
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    },
    async kill() {
      for (const ws of sockets?.clients ?? []) ws.terminate();
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    },
  };
  await b.start();
  t.teardown(() => b.kill());
  return b;
}

/** One request on a connection of its own: which backend answered. */
function whoAnswers(url: string, cookie?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, {agent: false, headers: cookie ? {Cookie: cookie} : {}}, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve((JSON.parse(body) as {name: string}).name) : reject(new Error(`status ${res.statusCode}: ${body}`))));
    }).on('error', reject);
  });
}

async function answers(n: number, url: string, cookie?: string): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(await whoAnswers(url, cookie));
  return names;
}

/** A WebSocket through the balancer, open, and the echo of one message on it. */
async function echoSocket(url: string, text: string): Promise<{ws: WebSocket; echo: string}> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const echoed = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
  ws.send(text);
  return {ws, echo: await echoed};
}

const count = (names: string[], name: string) => names.filter((n) => n === name).length;

t.test('HAProxy in front of two backends', {skip: noHaproxy()}, async (t) => {
  const one = await backend(t, 'hub1');
  const two = await backend(t, 'hub2');
  const lb = await startBalancer(t, [one.port, two.port]);
  t.same(lb.servers, [{name: 'hub1', port: one.port}, {name: 'hub2', port: two.port}]);
  t.same(await lb.states(), {hub1: 'UP', hub2: 'UP'});

  const spread = await answers(8, `${lb.url}/page`);
  t.ok(count(spread, 'hub1') >= 2 && count(spread, 'hub2') >= 2, `round robin: ${spread.join(' ')}`);
  t.same(await answers(4, `${lb.url}/page`, 'cac_hub=hub2'), ['hub2', 'hub2', 'hub2', 'hub2'], 'the cookie pins');
  t.same(await answers(4, `${lb.url}/page`, 'theme=dark; cac_hub=hub1'), ['hub1', 'hub1', 'hub1', 'hub1'], 'among other cookies too');
  t.same(await answers(4, `${lb.url}/page?x=1&cac_hub=hub2`), ['hub2', 'hub2', 'hub2', 'hub2'], 'the query parameter pins');

  const wsUrl = lb.url.replace(/^http/, 'ws');
  const onOne = await echoSocket(`${wsUrl}/socket?cac_hub=hub1`, 'hello');
  t.equal(onOne.echo, 'hub1: hello', 'a WebSocket upgrade passes, pinned');
  const onTwo = await echoSocket(`${wsUrl}/socket?cac_hub=hub2`, 'hi');
  t.equal(onTwo.echo, 'hub2: hi');

  t.test('an unhealthy backend is left out, and taken back', async (t) => {
    one.healthy = false;
    await lb.waitFor('hub1', 'DOWN');
    t.same(await answers(4, `${lb.url}/page`), ['hub2', 'hub2', 'hub2', 'hub2']);
    t.same(await answers(2, `${lb.url}/page`, 'cac_hub=hub1'), ['hub2', 'hub2'], 'a pin to it falls back');
    const again = await echoSocket(`${wsUrl}/socket`, 'x');
    t.equal(again.echo, 'hub2: x');
    again.ws.close();
    one.healthy = true;
    await lb.waitFor('hub1', 'UP');
    t.same(await answers(2, `${lb.url}/page`, 'cac_hub=hub1'), ['hub1', 'hub1']);
  });

  t.test('a killed backend: new connections go to the other', async (t) => {
    const closed = new Promise<number>((resolve) => onTwo.ws.once('close', resolve));
    const killedAt = Date.now();
    await two.kill();
    await closed;
    t.pass('its open socket is cut');
    // Before the checks notice, a refused connection is retried on the other backend.
    t.same(await answers(4, `${lb.url}/page`), ['hub1', 'hub1', 'hub1', 'hub1'], 'no request fails meanwhile');
    await lb.waitFor('hub2', 'DOWN');
    // Half a second is expected; five leaves room for a busy machine.
    t.ok(Date.now() - killedAt < 5000, `out after ${Date.now() - killedAt} ms`);
    const moved = await echoSocket(`${wsUrl}/socket?cac_hub=hub2`, 'back');
    t.equal(moved.echo, 'hub1: back', 'a socket pinned to it goes to the other');
    moved.ws.close();
    t.equal(onOne.ws.readyState, WebSocket.OPEN, 'sockets on the live backend stay');
    const still = await echoSocket(`${wsUrl}/socket?cac_hub=hub1`, 'still');
    t.equal(still.echo, 'hub1: still');
    still.ws.close();

    await two.start();
    await lb.waitFor('hub2', 'UP');
    t.same(await answers(2, `${lb.url}/page`, 'cac_hub=hub2'), ['hub2', 'hub2'], 'back on the same port, back in');
  });

  t.teardown(() => {
    for (const ws of [onOne.ws, onTwo.ws]) ws.terminate();
  });
});
