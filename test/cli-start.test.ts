import {mkdtemp, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {spawnCac} from './helpers/spawn.js';

t.test('cac start creates the demo site and admin, serves /healthz and /demo', async (t) => {
  const data = await mkdtemp(join(tmpdir(), 'cac-start-'));
  const hub = spawnCac(['start', '--port', '0', '--data', data]);
  t.teardown(() => void hub.child.kill('SIGTERM'));
  const [, url] = await hub.waitFor(/cac hub:\s+(http:\/\/\S+)/);
  await hub.waitFor(/demo page: http:\/\/localhost:\d+\/demo\//);
  t.match(hub.out(), /admin token is kept in .*admin\.token/);
  const health = await fetch(`${url}/healthz`);
  t.equal(health.status, 200);
  t.match(await health.json(), {ok: true});
  const demo = await fetch(`${url}/demo/`);
  t.equal(demo.status, 200);
  t.match(await demo.text(), /<script src="\/widget.js" data-site="localhost" async><\/script>/);
  const product = await fetch(`${url}/demo/product.htm`);
  t.equal(product.status, 200);
  const mode = (await stat(join(data, 'admin.token'))).mode & 0o777;
  t.equal(mode, 0o600, 'the token file is private');
  hub.child.kill('SIGTERM');
  t.equal(await hub.exited, 0, 'SIGTERM stops the hub cleanly');
});
