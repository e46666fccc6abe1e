// Sites and operators, made with the command line as an administrator would, so the harness
// needs nothing of the hub's storage format. Each command is a process start (~0.7 s), so the
// accounts are made once, in a template folder that every hub start gets a copy of.

import {execFile} from 'node:child_process';
import {cpSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

export const SITE = 'example.com';

async function cac(args) {
  const {stdout} = await run('node', ['bin/cac.js', ...args], {cwd: root, timeout: 60_000});
  return stdout;
}

/** Every abuse limit of a site raised out of the way: a load test is one address posing as thousands of visitors. */
export const LOAD_LIMITS = ['identities-per-minute', 'requests-per-minute', 'messages-per-hour', 'messages-kept', 'pages-per-minute', 'sockets-per-address', 'typing-per-second'].flatMap((name) => ['--limit', `${name}=1000000`]);

export async function addSite(dir, domain = SITE) {
  await cac(['sites', 'add', domain, '--data', dir, '--json']);
  await cac(['sites', 'set', domain, ...LOAD_LIMITS, '--data', dir, '--json']);
}

/** Adds `name` and returns {name, role, token}; one at a time (the CLI rewrites one file). */
export async function addOperator(dir, name) {
  return JSON.parse(await cac(['operators', 'add', name, '--data', dir, '--json']));
}

/** A folder with the site and `count` operators op000, op001, ...; returns their tokens. */
export async function makeAccounts(dir, count, progress = () => {}) {
  await addSite(dir);
  const operators = [];
  for (let i = 0; i < count; i++) {
    const {name, token} = await addOperator(dir, `op${String(i).padStart(3, '0')}`);
    operators.push({name, token});
    progress(i + 1);
  }
  return operators;
}

/** A fresh copy of the template for one hub start: each run starts from the same state. */
export function copyData(template, dir) {
  cpSync(template, dir, {recursive: true});
}
