import {operatorName} from '../protocol/index.js';
import {hashToken, newSecret} from '../lib/secrets.js';
import type {LowStore} from '../store/low-store.js';
import type {OperatorRecord} from '../store/types.js';

export class AccountError extends Error {}

export function checkName(name: string): string {
  const parsed = operatorName.safeParse(name);
  if (!parsed.success) throw new AccountError(`bad operator name ${JSON.stringify(name)}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Adds an operator and returns its login token, which is never stored, only its scrypt hash. */
export async function addOperator(
  store: LowStore,
  name: string,
  options: {admin?: boolean; displayName?: string; sites?: string[]} = {},
): Promise<{operator: OperatorRecord; token: string}> {
  checkName(name);
  const db = await store.global('operators', true);
  if (db.data.operators.some((o) => o.name === name)) throw new AccountError(`operator ${name} already exists`);
  const token = newSecret();
  const operator: OperatorRecord = {
    name,
    displayName: options.displayName ?? name,
    role: options.admin ? 'admin' : 'operator',
    ...(await hashToken(token)),
    sites: options.sites ?? [],
    createdAt: Date.now(),
  };
  db.data.operators.push(operator);
  await store.save(db);
  return {operator, token};
}

export async function resetToken(store: LowStore, name: string): Promise<string> {
  const db = await store.global('operators', true);
  const op = db.data.operators.find((o) => o.name === name);
  if (!op) throw new AccountError(`no operator ${name}`);
  const token = newSecret();
  Object.assign(op, await hashToken(token));
  await store.save(db);
  return token;
}

export async function removeOperator(store: LowStore, name: string): Promise<void> {
  const db = await store.global('operators', true);
  const before = db.data.operators.length;
  db.data.operators = db.data.operators.filter((o) => o.name !== name);
  if (db.data.operators.length === before) throw new AccountError(`no operator ${name}`);
  await store.save(db);
}

export async function listOperators(store: LowStore): Promise<OperatorRecord[]> {
  return (await store.global('operators', true)).data.operators;
}
