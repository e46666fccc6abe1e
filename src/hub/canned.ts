import {cannedFull, type Canned} from '../protocol/index.js';
import {randomId} from '../lib/secrets.js';
import {HubError} from './errors.js';
import type {Hub} from './hub.js';

/*
 * Canned responses, kept by the hub so they follow an operator to any terminal: the team's (no
 * owner; any operator adds them, the one who added them or an admin changes them) and each
 * operator's own.
 */

export function cannedFor(hub: Hub, me: string): Canned[] {
  return hub.globals.canned.canned.filter((c) => !c.owner || c.owner === me);
}

function mayChange(hub: Hub, me: string, item: Canned | undefined): item is Canned {
  const admin = hub.sessions.operators.get(me)?.role === 'admin';
  return item !== undefined && (item.owner === me || (item.owner === undefined && (admin || item.by === me)));
}

/** Stores the list, then tells every connected operator its own view of it. */
async function save(hub: Hub, before: Canned[]): Promise<void> {
  const doc = hub.globals.canned;
  try {
    await hub.putGlobal('canned', doc);
  } catch {
    doc.canned = before;
    throw new HubError('not_stored', 'the hub could not store that; send it again');
  }
  for (const name of hub.sessions.connectedOperators()) hub.sessions.toOperator(name, {t: 'canned.list', canned: cannedFor(hub, name)});
}

export async function addCanned(hub: Hub, me: string, shortcut: string, text: string, team: boolean): Promise<void> {
  const doc = hub.globals.canned;
  const before = doc.canned;
  const owner = team ? undefined : me;
  const full = cannedFull(before, owner);
  if (full) throw new HubError('too_many', full);
  doc.canned = [...before, {id: randomId(), owner, by: me, shortcut, text}];
  await save(hub, before);
}

export async function editCanned(hub: Hub, me: string, id: string, shortcut: string, text: string): Promise<void> {
  const doc = hub.globals.canned;
  const item = doc.canned.find((c) => c.id === id);
  if (!mayChange(hub, me, item)) throw new HubError('unknown_canned', `no canned response ${id} of yours`);
  const before = doc.canned;
  doc.canned = before.map((c) => (c === item ? {...c, shortcut, text} : c));
  await save(hub, before);
}

export async function removeCanned(hub: Hub, me: string, id: string): Promise<void> {
  const doc = hub.globals.canned;
  const item = doc.canned.find((c) => c.id === id);
  if (!mayChange(hub, me, item)) throw new HubError('unknown_canned', `no canned response ${id} of yours`);
  const before = doc.canned;
  doc.canned = before.filter((c) => c !== item);
  await save(hub, before);
}
