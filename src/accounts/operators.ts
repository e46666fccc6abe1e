import {operatorName} from '../protocol/index.js';
import {newToken} from '../lib/tokens.js';
import {OpError} from '../admin/error.js';
import type {Store} from '../store/store.js';

/** What account changes need of a store: its global records. */
type Globals = Pick<Store, 'global' | 'putGlobal'>;
import type {OperatorRecord} from '../store/types.js';


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
  const db = await store.global('operators', true);
  if (db.operators.some((o) => o.name === name)) throw new OpError('exists', `operator ${name} already exists`);
  const {token, tokenId, tokenHash} = newToken();
  const operator: OperatorRecord = {
    name,
    displayName: options.displayName ?? name,
    role: options.admin ? 'admin' : 'operator',
    tokenId,
    tokenHash,
    sites: options.sites ?? [],
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

export async function removeOperator(store: Globals, name: string): Promise<void> {
  const db = await store.global('operators', true);
  const before = db.operators.length;
  db.operators = db.operators.filter((o) => o.name !== name);
  if (db.operators.length === before) throw new OpError('not_found', `no operator ${name}`);
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
  if (change.displayName !== undefined) op.displayName = change.displayName;
  if (change.admin !== undefined) op.role = change.admin ? 'admin' : 'operator';
  if (change.sites !== undefined) op.sites = change.sites;
  await store.putGlobal('operators', db);
  return op;
}
