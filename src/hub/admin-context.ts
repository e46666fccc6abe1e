import type {AdminContext} from '../admin/context.js';
import type {GlobalName, Globals} from '../store/types.js';
import {cannedFor} from './canned.js';
import {forgetVisitor} from './forget.js';
import type {Hub} from './hub.js';

/** The globals a hub keeps its own copy of (operators and sites live in its sessions). */
const held = new Set<GlobalName>(['blocks', 'canned', 'messages', 'status']);

/**
 * An admin operation run inside a hub: it reads the hub's own copy of each record and writes
 * through the hub, which then applies the change at once: accounts are reloaded (closing the
 * sockets of a removed operator or one whose token was reset), every operator gets its new list
 * of canned responses, a message marked done goes from every inbox. A block lifted is simply no
 * longer in the list the next request is checked against.
 */
export function hubContext(hub: Hub, live: {url: string}): AdminContext {
  const globals = hub.globals as unknown as Record<GlobalName, unknown>;
  return {
    store: hub.store,
    dataDir: hub.options.dataDir,
    now: hub.now,
    async global<K extends GlobalName>(name: K, fresh?: boolean): Promise<Globals[K]> {
      return held.has(name) ? (globals[name] as Globals[K]) : hub.store.global(name, fresh);
    },
    async putGlobal<K extends GlobalName>(name: K, value: Globals[K]): Promise<void> {
      const before = globals[name] as Globals[K];
      if (held.has(name)) globals[name] = value;
      try {
        await hub.putGlobal(name, value);
      } catch (error) {
        if (globals[name] === value) globals[name] = before;
        throw error;
      }
      await applied(hub, name, before, value);
    },
    live: {
      url: live.url,
      pid: process.pid,
      visitorsOnline: () => hub.sessions.visitors.size,
      online: (site) => [...hub.sessions.visitors.values()].filter((v) => v.conns.size > 0 && (!site || v.site.domain === site)).map((v) => v.record.id),
      visitor: (id) => {
        const v = hub.sessions.visitors.get(id);
        if (!v || v.conns.size === 0) return undefined;
        const last = v.visit?.last;
        return last ? {page: {url: last.url, title: last.title}} : {};
      },
      forgetVisitor: (id) => forgetVisitor(hub, id),
      operatorsOnline: () => hub.sessions.connectedOperators().map((name) => ({name, status: hub.sessions.statusOf(name)})),
    },
  };
}

async function applied<K extends GlobalName>(hub: Hub, name: K, before: Globals[K], after: Globals[K]): Promise<void> {
  if (name === 'operators' || name === 'sites') {
    await hub.reloadAccounts();
  } else if (name === 'canned') {
    for (const op of hub.sessions.connectedOperators()) hub.sessions.toOperator(op, {t: 'canned.list', canned: cannedFor(hub, op)});
  } else if (name === 'messages') {
    const kept = new Set((after as Globals['messages']).messages.map((m) => m.id));
    for (const m of (before as Globals['messages']).messages) if (!kept.has(m.id)) hub.sessions.toOperators({t: 'message.done', id: m.id}, m.site);
  }
}
