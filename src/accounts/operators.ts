import {operatorName} from '../protocol/index.js';
import {siteNamed} from '../lib/site-named.js';
import {newToken} from '../lib/tokens.js';
import {OpError} from '../admin/error.js';
import type {Store} from '../store/store.js';

/** What account changes need of a store: its global records. */
type Globals = Pick<Store, 'global' | 'putGlobal'>;
import type {OperatorRecord} from '../store/types.js';


/** A name shown to visitors: never blank, and at most a line. */
function checkDisplayName(displayName: string | undefined): string | undefined {
  if (displayName === undefined) return undefined;
  const trimmed = displayName.trim();
  if (trimmed === '') throw new OpError('invalid', 'a display name cannot be blank: visitors would see no name');
  if (trimmed.length > 80) throw new OpError('invalid', `a display name is at most 80 characters, not ${trimmed.length}`);
  return trimmed;
}

/**
 * The sites an operator is to monitor, each one the hub knows (an alias stands for its site): a
 * mistyped domain would leave the operator watching nothing, and nobody would be told why.
 */
async function checkSites(store: Globals, sites: string[] | undefined): Promise<string[] | undefined> {
  if (sites === undefined) return undefined;
  const known = (await store.global('sites', true)).sites;
  return [
    ...new Set(
      sites.map((wanted) => {
        const d = wanted.toLowerCase();
        const site = siteNamed(known, d);
        if (!site) throw new OpError('not_found', `no site ${wanted} (cac sites list shows them; add it first with cac sites add)`);
        return site.domain;
      }),
    ),
  ];
}

export function checkName(name: string): string {
  const parsed = operatorName.safeParse(name);
  if (!parsed.success) throw new OpError('invalid', `bad operator name ${JSON.stringify(name)}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Adds an operator and returns its login token, which is never stored: only its id and a hash. */
export async function addOperator(
  store: Globals,
  name: string,
  options: {admin?: boolean; displayName?: string; sites?: string[]} = {},
): Promise<{operator: OperatorRecord; token: string}> {
  checkName(name);
  const displayName = checkDisplayName(options.displayName);
  const sites = await checkSites(store, options.sites);
  const db = await store.global('operators', true);
  if (db.operators.some((o) => o.name === name)) throw new OpError('exists', `operator ${name} already exists`);
  const {token, tokenId, tokenHash} = newToken();
  const operator: OperatorRecord = {
    name,
    displayName: displayName ?? name,
    role: options.admin ? 'admin' : 'operator',
    tokenId,
    tokenHash,
    sites: sites ?? [],
    createdAt: Date.now(),
  };
  db.operators.push(operator);
  await store.putGlobal('operators', db);
  return {operator, token};
}

export async function resetToken(store: Globals, name: string): Promise<string> {
  const db = await store.global('operators', true);
  const op = db.operators.find((o) => o.name === name);
  if (!op) throw new OpError('not_found', `no operator ${name}`);
  const {token, tokenId, tokenHash} = newToken();
  delete op.salt;
  delete op.hash;
  Object.assign(op, {tokenId, tokenHash});
  await store.putGlobal('operators', db);
  return token;
}

/**
 * The last admin is never removed or made an operator: a running hub would then take account
 * changes from nobody (the command line asks it as an admin), until it was stopped.
 */
function keepAnAdmin(operators: OperatorRecord[], name: string): void {
  const op = operators.find((o) => o.name === name);
  if (op?.role !== 'admin' || operators.some((o) => o.role === 'admin' && o.name !== name)) return;
  throw new OpError('not_possible', `${name} is the last admin: make another operator an admin first (cac operators set NAME --admin)`);
}

export async function removeOperator(store: Globals, name: string): Promise<void> {
  const db = await store.global('operators', true);
  if (!db.operators.some((o) => o.name === name)) throw new OpError('not_found', `no operator ${name}`);
  keepAnAdmin(db.operators, name);
  db.operators = db.operators.filter((o) => o.name !== name);
  await store.putGlobal('operators', db);
}

export async function listOperators(store: Globals): Promise<OperatorRecord[]> {
  return (await store.global('operators', true)).operators;
}

/** Changes an operator's name shown to visitors, role or sites (a change of role or sites ends its sessions). */
export async function updateOperator(
  store: Globals,
  name: string,
  change: {displayName?: string; admin?: boolean; sites?: string[]},
): Promise<OperatorRecord> {
  const db = await store.global('operators', true);
  const op = db.operators.find((o) => o.name === name);
  if (!op) throw new OpError('not_found', `no operator ${name}`);
  // Checked before anything changes: a refused change leaves the account as it was.
  const displayName = checkDisplayName(change.displayName);
  const sites = await checkSites(store, change.sites);
  if (change.admin === false) keepAnAdmin(db.operators, name);
  if (displayName !== undefined) op.displayName = displayName;
  if (change.admin !== undefined) op.role = change.admin ? 'admin' : 'operator';
  if (sites !== undefined) op.sites = sites;
  await store.putGlobal('operators', db);
  return op;
}
