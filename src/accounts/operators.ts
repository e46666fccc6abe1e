import {operatorName} from '../protocol/index.js';
import {hashToken, newSecret} from '../lib/secrets.js';
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

/** Adds an operator and returns its login token, which is never stored, only its scrypt hash. */
export async function addOperator(
  store: Globals,
  name: string,
  options: {admin?: boolean; displayName?: string; sites?: string[]} = {},
): Promise<{operator: OperatorRecord; token: string}> {
  checkName(name);
  const db = await store.global('operators', true);
  if (db.operators.some((o) => o.name === name)) throw new OpError('exists', `operator ${name} already exists`);
  const token = newSecret();
  const operator: OperatorRecord = {
    name,
    displayName: options.displayName ?? name,
    role: options.admin ? 'admin' : 'operator',
    ...(await hashToken(token)),
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
  const token = newSecret();
  Object.assign(op, await hashToken(token));
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
