import {mkdtemp, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {operatorUpgrade} from './helpers/upgrade.js';
import {adminError, adminOps, PROTOCOL_VERSION, type AdminOpName, type AdminOutput} from '../src/protocol/index.js';
import {connectOperator} from './helpers/widget-hub.js';
import {seedData} from './helpers/hub.js';
import {freePort, hubProcess, runCac} from './helpers/spawn.js';
import {Peer} from './helpers/peer.js';
import {hubToVisitor} from '../src/protocol/index.js';

/** A data folder with a site and alice (admin) and bob, and the address a hub will listen on. */
async function folder(): Promise<{dir: string; port: number; base: string; tokens: Record<string, string>}> {
  const dir = await mkdtemp(join(tmpdir(), 'cac-admin-'));
  const tokens = await seedData(dir, ['bob']);
  const alice = await runCac(['operators', 'add', 'alice', '--admin', '--json', '--data', dir]);
  tokens.alice = (JSON.parse(alice.stdout) as {token: string}).token;
  const port = await freePort();
  return {dir, port, base: `http://127.0.0.1:${port}`, tokens};
}

async function visitor(base: string): Promise<Peer> {
  const peer = await Peer.connect(`${base.replace('http', 'ws')}/ws/visitor?site=example.com`, hubToVisitor, {origin: 'https://example.com'});
  peer.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com', page: {url: 'https://example.com/', title: 'Home'}});
  await peer.waitType('welcome');
  return peer;
}

/** Parses a command's --json output with the protocol's schema of what the operation answers. */
function output<N extends AdminOpName>(name: N, stdout: string): AdminOutput<N> {
  return adminOps[name].output.parse(JSON.parse(stdout)) as AdminOutput<N>;
}

/** The HTTP status an operator socket upgrade gets with these credentials. */
async function upgradeStatus(base: string, name: string, token: string): Promise<number> {
  return (await operatorUpgrade(base, {authorization: `Bearer ${token}`, 'x-cac-operator': name})).status;
}

t.test('with a hub running, every change goes through it and takes effect at once', async (t) => {
  const {dir, port, base, tokens} = await folder();
  await hubProcess(t, dir, port).start();

  const via = await runCac(['operators', 'list', '--verbose', '--json', '--data', dir]);
  t.equal(via.code, 0, via.stderr);
  t.match(via.stderr, `cac: through the hub at ${base}`, '--verbose says the hub was asked');
  t.same(output('operators.list', via.stdout).map((o) => o.name).sort(), ['alice', 'bob']);

  // A removed operator's socket is closed before the command returns.
  const bob = await connectOperator(base, 'bob', tokens.bob!);
  const removed = await runCac(['operators', 'remove', 'bob', '--data', dir]);
  const returned = Date.now();
  t.equal(removed.code, 0, removed.stderr);
  t.equal(removed.stdout, 'removed bob\n');
  await bob.waitClosed();
  t.ok(Date.now() - returned < 1000, 'bob\'s socket closed within a second of the command');
  t.equal(bob.closed?.code, 4001, 'closed as revoked');

  const alice = await connectOperator(base, 'alice', tokens.alice!);
  // Through the hub too, the last admin is neither removed nor made an operator.
  const last = await runCac(['operators', 'remove', 'alice', '--verbose', '--data', dir]);
  t.equal(last.code, 1, 'the last admin is not removed');
  t.match(last.stderr, `cac: through the hub at ${base}`);
  t.match(last.stderr, 'cac: alice is the last admin: make another operator an admin first');
  t.equal((await runCac(['operators', 'set', 'alice', '--no-admin', '--data', dir])).code, 1, 'nor made an operator');
  t.equal(alice.closed, undefined, 'and her session goes on');

  // A block, then lifted: the visitor may ask at once.
  const vera = await visitor(base);
  const {visitorId} = vera.of('welcome')[0]!;
  const blocked = await runCac(['blocks', 'add', '--site', 'example.com', '--visitor', visitorId, '--json', '--data', dir]);
  t.equal(blocked.code, 0, blocked.stderr);
  const block = output('blocks.add', blocked.stdout);
  vera.send({t: 'chat.request', id: vera.nextId(), text: 'hello?'});
  t.match(await vera.waitType('chat.refused'), {reason: 'blocked'});
  const listed = await runCac(['blocks', 'list', '--data', dir]);
  t.match(listed.stdout, new RegExp(`^${block.id}\\texample\\.com\\tvisitor ${visitorId}\\tuntil \\S+\\tby admin\\n$`));
  const lifted = await runCac(['blocks', 'remove', block.id, '--data', dir]);
  t.equal(lifted.code, 0, lifted.stderr);
  vera.send({t: 'chat.request', id: vera.nextId(), text: 'hello again'});
  await vera.waitType('chat.queued');

  // Two adds at the same moment both land, and connected clients get the new list.
  const both = await Promise.all([
    runCac(['canned', 'add', 'hours', 'We answer 9 to 6.', '--data', dir]),
    runCac(['canned', 'add', 'refund', 'Refunds take 5 days.', '--operator', 'alice', '--data', dir]),
  ]);
  t.same(both.map((r) => r.code), [0, 0], both.map((r) => r.stderr).join(''));
  const list = output('canned.list', (await runCac(['canned', 'list', '--json', '--data', dir])).stdout);
  t.same(list.map((c) => c.shortcut).sort(), ['hours', 'refund']);
  await alice.waitType('canned.list', (f) => f.canned.length === 2);

  // A left message marked done goes from the inbox of every connected operator.
  const walt = await visitor(base);
  walt.send({t: 'offline.message', id: walt.nextId(), name: 'Walt', email: 'walt@example.org', text: 'Call me back'});
  await walt.waitType('offline.stored');
  const messages = output('messages.list', (await runCac(['messages', 'list', '--json', '--data', dir])).stdout);
  t.equal(messages.length, 1);
  const done = await runCac(['messages', 'done', messages[0]!.id, '--data', dir]);
  t.equal(done.code, 0, done.stderr);
  await alice.waitType('message.done', (f) => f.id === messages[0]!.id);

  const status = output('status', (await runCac(['status', '--json', '--data', dir])).stdout);
  t.match(status, {hub: {up: true, url: base}, visitorsOnline: 2, operatorsOnline: [{name: 'alice', status: 'online'}], openChats: 1});
  t.ok(status.dataBytes > 0, 'the data folder has a size');
});

t.test('the admin API refuses browsers, missing or wrong credentials, and non-admin operators', async (t) => {
  const {dir, port, base, tokens} = await folder();
  await hubProcess(t, dir, port).start();
  const api = JSON.parse(await readFile(join(dir, 'api.json'), 'utf8')) as {key: string; url: string};
  t.equal(api.url, base);
  const call = async (headers: Record<string, string>, body = '{}') => {
    const res = await fetch(`${base}/api/admin/operators.list`, {method: 'POST', headers: {'content-type': 'application/json', ...headers}, body});
    return {status: res.status, body: (await res.json()) as unknown};
  };
  const refused = (r: {status: number; body: unknown}) => r.status === 401 && adminError.parse(r.body).error.code === 'unauthorized';
  t.ok(refused(await call({})), 'no credentials');
  t.ok(refused(await call({authorization: 'Bearer nope'})), 'a wrong key');
  t.ok(refused(await call({authorization: `Bearer ${api.key}`, origin: base})), 'from a web page, even with the key');
  t.ok(refused(await call({authorization: `Bearer ${tokens.bob}`, 'x-cac-operator': 'bob'})), 'an operator who is not an admin');
  const ok = await call({authorization: `Bearer ${tokens.alice}`, 'x-cac-operator': 'alice'});
  t.equal(ok.status, 200, 'an admin operator\'s token');
  t.same(adminOps['operators.list'].output.parse(ok.body).map((o) => o.name).sort(), ['alice', 'bob']);
  const bad = await call({authorization: `Bearer ${api.key}`}, '{"name": 5}');
  t.equal(bad.status, 200, 'operators.list takes no fields: extra ones are ignored');
  const wrong = await fetch(`${base}/api/admin/operators.add`, {method: 'POST', headers: {authorization: `Bearer ${api.key}`}, body: '{"name": 5}'});
  t.equal(wrong.status, 400);
  t.match(adminError.parse(await wrong.json()).error, {code: 'invalid', message: /^name: /});
  const unknown = await fetch(`${base}/api/admin/nothing.here`, {method: 'POST', headers: {authorization: `Bearer ${api.key}`}});
  t.equal(unknown.status, 404);

  // The same admin, from another machine: --remote with the login cac login saved.
  const home = await mkdtemp(join(tmpdir(), 'cac-home-'));
  const login = await runCac(['login', '--hub', base, '--operator', 'alice'], {HOME: home, XDG_CONFIG_HOME: join(home, '.config')}, `${tokens.alice}\n`);
  t.equal(login.code, 0, login.stderr);
  const remote = await runCac(['operators', 'list', '--remote', '--verbose', '--json'], {HOME: home, XDG_CONFIG_HOME: join(home, '.config')});
  t.equal(remote.code, 0, remote.stderr);
  t.match(remote.stderr, `through the hub at ${base} as alice`);
  const asBob = await runCac(['status', '--remote'], {HOME: home, XDG_CONFIG_HOME: join(home, '.config'), CAC_TOKEN: tokens.bob!});
  t.equal(asBob.code, 1);
  t.equal(asBob.stderr, 'cac: an admin token is needed\n');
});

t.test('with no hub, commands work on the folder, and a hub started later sees what they did', async (t) => {
  const {dir, port, base, tokens} = await folder();
  const both = await Promise.all([
    runCac(['canned', 'add', 'hours', 'We answer 9 to 6.', '--verbose', '--data', dir]),
    runCac(['canned', 'add', 'ship', 'We ship in 2 days.', '--data', dir]),
  ]);
  t.same(both.map((r) => r.code), [0, 0], both.map((r) => r.stderr).join(''));
  t.match(both[0]!.stderr, `cac: on the data folder ${dir} (no hub runs on it)`);
  t.equal((await runCac(['operators', 'remove', 'bob', '--data', dir])).code, 0);
  const block = output('blocks.add', (await runCac(['blocks', 'add', '--site', 'example.com', '--ip', '127.0.0.1', '--until', '2h', '--json', '--data', dir])).stdout);
  t.ok(block.until > Date.now() + 3600_000 && block.until <= Date.now() + 7200_000, 'until 2 hours from now');

  await hubProcess(t, dir, port).start();
  const alice = await connectOperator(base, 'alice', tokens.alice!);
  const ready = alice.of('ready')[0]!;
  t.same(ready.canned.map((c: {shortcut: string}) => c.shortcut).sort(), ['hours', 'ship'], 'both responses landed');
  t.equal(await upgradeStatus(base, 'bob', tokens.bob!), 401, 'bob was removed');
  t.equal(await upgradeStatus(base, 'alice', tokens.alice!), 101, 'alice is still there');
  const vera = await visitor(base);
  vera.send({t: 'chat.request', id: vera.nextId(), text: 'hi'});
  t.match(await vera.waitType('chat.refused'), {reason: 'blocked'}, 'the block by address holds');
});

t.test('failures: unknown ids exit 1 with one line on stderr; bad flags and values exit 2 with usage', async (t) => {
  const {dir} = await folder();
  for (const args of [
    ['operators', 'remove', 'zed'],
    ['operators', 'reset-token', 'zed'],
    ['sites', 'remove', 'nowhere.example'],
    ['sites', 'snippet', 'nowhere.example'],
    ['blocks', 'remove', 'nope'],
    ['blocks', 'add', '--site', 'nowhere.example', '--ip', '10.0.0.1'],
    ['canned', 'remove', 'nope'],
    ['canned', 'list', '--operator', 'zed'],
    ['messages', 'done', 'nope'],
    // A mistyped site or visitor is refused, not stored to watch or block nobody.
    ['operators', 'add', 'carol', '--site', 'nowhere.example'],
    ['operators', 'set', 'bob', '--site', 'nowhere.example'],
    ['blocks', 'add', '--site', 'example.com', '--visitor', 'ghost'],
  ]) {
    const r = await runCac([...args, '--data', dir]);
    t.equal(r.code, 1, `${args.join(' ')}: exit 1`);
    t.match(r.stderr, /^cac: (no |an? )[^\n]+\n$/, `${args.join(' ')}: one line on stderr`);
    t.equal(r.stdout, '', `${args.join(' ')}: nothing on stdout`);
  }
  for (const args of [
    ['operators', 'list', '--bogus'],
    ['blocks', 'add', '--site', 'example.com', '--ip', '10.0.0.1', '--until', 'someday'],
    ['blocks', 'add', '--site', 'example.com'],
    ['blocks', 'add', '--site', 'example.com', '--ip', 'not-an-ip'],
    ['canned', 'add', 'two words', 'text'],
    ['canned', 'add', 'x', 'y', '--team', '--operator', 'alice'],
    ['canned'],
    ['operators', 'set', 'bob', '--display-name', '   '],
    ['operators', 'set', 'bob', '--admin', '--no-admin'],
    ['sites', 'set', 'example.com', '--preview', '--no-preview'],
    ['sites', 'add', 'new.example', '--hub', 'notaurl'],
    ['help', 'nosuch'],
  ]) {
    const r = await runCac([...args, '--data', dir]);
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, /\S/, `${args.join(' ')}: says why`);
  }
  // Nothing of the refused changes was kept.
  const operators = output('operators.list', (await runCac(['operators', 'list', '--json', '--data', dir])).stdout);
  t.same(operators.map((o) => o.name).sort(), ['alice', 'bob'], 'no carol');
  t.equal(operators.find((o) => o.name === 'bob')?.role, 'operator', 'bob is no admin');
  t.same(operators.find((o) => o.name === 'bob'), {...operators.find((o) => o.name === 'bob'), displayName: 'bob', sites: []}, "bob's name and sites as they were");
  t.notOk(output('sites.list', (await runCac(['sites', 'list', '--json', '--data', dir])).stdout).some((s) => s.domain === 'new.example'), 'no new.example');
  t.same(output('blocks.list', (await runCac(['blocks', 'list', '--json', '--data', dir])).stdout), [], 'no block');
  // Who is on-line only a hub knows: with none, the command says so rather than "nobody".
  const online = await runCac(['visitors', 'list', '--online', '--data', dir]);
  t.equal(online.code, 1);
  t.match(online.stderr, /^cac: who is on-line is known only to a running hub/);
  const usage = await runCac(['blocks', 'list', '--bogus', '--data', dir]);
  t.match(usage.stderr, /unknown option '--bogus'[\s\S]*Usage: cac blocks list/, 'a bad flag shows the usage');
  const dup = await runCac(['canned', 'add', 'hi', 'one', '--data', dir]);
  t.equal(dup.code, 0);
  const again = await runCac(['canned', 'add', 'hi', 'two', '--data', dir]);
  t.equal(again.code, 1);
  t.equal(again.stderr, 'cac: #hi exists already for the team\n');
});

t.test('every command and subcommand has --help with an example, exit 0', async (t) => {
  const commands = [
    ['operators', 'add'], ['operators', 'list'], ['operators', 'remove'], ['operators', 'reset-token'],
    ['sites', 'add'], ['sites', 'list'], ['sites', 'remove'], ['sites', 'snippet'],
    ['blocks', 'list'], ['blocks', 'add'], ['blocks', 'remove'],
    ['canned', 'list'], ['canned', 'add'], ['canned', 'remove'],
    ['messages', 'list'], ['messages', 'done'], ['status'],
    ['start'], ['hub'], ['login'], ['client'],
  ];
  for (const args of commands) {
    const r = await runCac([...args, '--help']);
    t.equal(r.code, 0, `${args.join(' ')} --help`);
    t.match(r.stdout, new RegExp(`Example[s]?:\\n  \\$ cac ${args[0]}`), `${args.join(' ')} shows an example`);
  }
  const top = await runCac(['--help']);
  t.match(top.stdout, /Examples:\n {2}\$ cac start\n/, 'cac --help shows examples too');
});
