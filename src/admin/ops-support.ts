import {isIP} from 'node:net';
import {nextLocalMidnight} from '../lib/midnight.js';
import {randomId} from '../lib/secrets.js';
import {siteNamed} from '../lib/site-named.js';
import {cannedFull, type Canned} from '../protocol/index.js';
import type {AdminContext} from './context.js';
import {OpError} from './error.js';
import type {Handlers} from './handlers.js';

/*
 * Blocks, canned responses and left messages from the command line. Each change builds a new
 * list and hands it to the context, so a hub applies it at once and a failed write leaves the
 * old list in place.
 */

async function site(ctx: AdminContext, domain: string) {
  const found = siteNamed((await ctx.global('sites', true)).sites, domain);
  if (!found) throw new OpError('not_found', `no site ${domain}`);
  return found;
}

async function operatorExists(ctx: AdminContext, name: string): Promise<void> {
  if (!(await ctx.global('operators', true)).operators.some((o) => o.name === name)) throw new OpError('not_found', `no operator ${name}`);
}

/** A response by id, or by `#shortcut` when that names exactly one. */
function findCanned(list: Canned[], ref: string): Canned {
  const matches = ref.startsWith('#') ? list.filter((c) => c.shortcut === ref.slice(1)) : list.filter((c) => c.id === ref);
  if (matches.length === 0) throw new OpError('not_found', `no canned response ${ref}`);
  if (matches.length > 1) throw new OpError('invalid', `${ref} names ${matches.length} responses; give the id (cac canned list)`);
  return matches[0]!;
}

export const supportOps = {
  'blocks.list': async (ctx, input) => {
    const now = ctx.now();
    return (await ctx.global('blocks')).blocks.filter((b) => (input.all || b.until > now) && (!input.site || b.site === input.site));
  },
  'blocks.add': async (ctx, input) => {
    const s = await site(ctx, input.site);
    if (!input.visitorId && !input.ip) throw new OpError('invalid', 'a block needs a visitor id or an address');
    if (input.ip && isIP(input.ip) === 0) throw new OpError('invalid', `not an IP address: ${JSON.stringify(input.ip)}`);
    // A visitor id mistyped would block nobody, and say so to no one.
    if (input.visitorId) {
      const visitor = await ctx.store.visitor(input.visitorId);
      if (!visitor) throw new OpError('not_found', `no visitor ${input.visitorId} (cac visitors list shows them)`);
      if (visitor.site !== s.domain) throw new OpError('invalid', `visitor ${input.visitorId} is a visitor of ${visitor.site}, not of ${s.domain}`);
    }
    const now = ctx.now();
    const until = input.until ?? nextLocalMidnight(now, s.timezone);
    if (until <= now) throw new OpError('invalid', 'a block must end in the future');
    const block = {id: randomId(), site: s.domain, visitorId: input.visitorId ?? '', ip: input.ip ?? '', until, by: input.by ?? 'admin', at: now};
    const doc = await ctx.global('blocks');
    // Expired blocks are history nobody consults; keep the document small.
    await ctx.putGlobal('blocks', {blocks: [...doc.blocks.filter((b) => b.until > now), block]});
    return block;
  },
  'blocks.remove': async (ctx, input) => {
    const doc = await ctx.global('blocks');
    const block = doc.blocks.find((b) => b.id === input.id);
    if (!block) throw new OpError('not_found', `no block ${input.id}`);
    await ctx.putGlobal('blocks', {blocks: doc.blocks.filter((b) => b !== block)});
    return block;
  },

  'canned.list': async (ctx, input) => {
    if (input.operator) await operatorExists(ctx, input.operator);
    return (await ctx.global('canned')).canned.filter((c) => !input.operator || !c.owner || c.owner === input.operator);
  },
  'canned.add': async (ctx, input) => {
    if (input.operator) await operatorExists(ctx, input.operator);
    const doc = await ctx.global('canned');
    if (doc.canned.some((c) => c.shortcut === input.shortcut && c.owner === input.operator)) {
      throw new OpError('exists', `#${input.shortcut} exists already ${input.operator ? `for ${input.operator}` : 'for the team'}`);
    }
    const full = cannedFull(doc.canned, input.operator);
    if (full) throw new OpError('too_many', full);
    const item: Canned = {id: randomId(), owner: input.operator, by: input.operator ?? 'admin', shortcut: input.shortcut, text: input.text};
    if (!item.owner) delete item.owner;
    await ctx.putGlobal('canned', {canned: [...doc.canned, item]});
    return item;
  },
  'canned.remove': async (ctx, input) => {
    const doc = await ctx.global('canned');
    const item = findCanned(doc.canned, input.id);
    await ctx.putGlobal('canned', {canned: doc.canned.filter((c) => c !== item)});
    return item;
  },

  'messages.list': async (ctx, input) => (await ctx.global('messages')).messages.filter((m) => !input.site || m.site === input.site),
  'messages.done': async (ctx, input) => {
    const doc = await ctx.global('messages');
    const message = doc.messages.find((m) => m.id === input.id);
    if (!message) throw new OpError('not_found', `no left message ${input.id}`);
    await ctx.putGlobal('messages', {messages: doc.messages.filter((m) => m !== message)});
    return message;
  },
} satisfies Partial<Handlers>;
