import type {ChatEvent} from '../protocol/index.js';
import type {ChatRecord, VisitorRecord} from '../store/types.js';
import type {AdminContext} from './context.js';
import {OpError} from './error.js';
import type {Handlers} from './handlers.js';

/*
 * Visitors from the command line, and what the law asks of a site: everything kept about one
 * visitor, as one document, and their erasure.
 */

function view(ctx: AdminContext, v: VisitorRecord) {
  const live = ctx.live?.visitor(v.id);
  return {
    id: v.id,
    site: v.site,
    firstSeen: v.firstSeen,
    ...(v.name === undefined ? {} : {name: v.name}),
    ...(v.email === undefined ? {} : {email: v.email}),
    chats: v.chats.length,
    online: live !== undefined,
    ...(live?.page ? {page: live.page} : {}),
  };
}

async function mustVisitor(ctx: AdminContext, id: string): Promise<VisitorRecord> {
  const v = await ctx.store.visitor(id).catch(() => undefined);
  if (!v) throw new OpError('not_found', `no visitor ${id}`);
  return v;
}

async function chatsOf(ctx: AdminContext, v: VisitorRecord): Promise<ChatRecord[]> {
  const chats: ChatRecord[] = [];
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const page = await ctx.store.listChats({visitorId: v.id}, cursor, 500);
    chats.push(...page.chats);
    cursor = page.next;
  }
  return chats;
}

export const visitorOps = {
  'visitors.list': async (ctx, input) => {
    const limit = input.limit ?? 100;
    if (input.online) {
      // Who is on-line is known only to a running hub: without one, "nobody" would be a guess.
      if (!ctx.live) throw new OpError('not_possible', `who is on-line is known only to a running hub, and none runs on ${ctx.dataDir}: start one (cac hub), or ask one with --remote`);
      const ids = ctx.live.online(input.site);
      const start = input.cursor ? Number(input.cursor) : 0;
      const visitors: VisitorRecord[] = [];
      for (const id of ids.slice(start, start + limit)) {
        const v = await ctx.store.visitor(id).catch(() => undefined);
        if (v) visitors.push(v);
      }
      const next = start + limit < ids.length ? String(start + limit) : undefined;
      return {visitors: visitors.map((v) => view(ctx, v)), ...(next ? {next} : {})};
    }
    const page = await ctx.store.listVisitors({site: input.site}, input.cursor, limit);
    return {visitors: page.visitors.map((v) => view(ctx, v)), ...(page.next ? {next: page.next} : {})};
  },
  'visitors.show': async (ctx, input) => {
    const v = await mustVisitor(ctx, input.id);
    return {visitor: view(ctx, v), visits: await ctx.store.visits(v.id), chats: await chatsOf(ctx, v)};
  },

  'privacy.export': async (ctx, input) => {
    const v = await mustVisitor(ctx, input.visitorId);
    const chats: {chat: ChatRecord; events: ChatEvent[]}[] = [];
    for (const chat of await chatsOf(ctx, v)) chats.push({chat, events: await ctx.store.events(chat.id)});
    const {id, site, firstSeen, name, email} = v;
    return {
      exportedAt: ctx.now(),
      visitor: {id, site, firstSeen, ...(name === undefined ? {} : {name}), ...(email === undefined ? {} : {email})},
      visits: await ctx.store.visits(v.id),
      chats,
      blocks: (await ctx.global('blocks')).blocks.filter((b) => b.visitorId === v.id),
      messages: (await ctx.global('messages')).messages.filter((m) => m.visitorId === v.id),
    };
  },
  'privacy.erase': async (ctx, input) => {
    const id = input.visitorId;
    const v = await ctx.store.visitor(id).catch(() => undefined);
    const addresses = new Set((await ctx.store.visits(id).catch(() => [])).map((visit) => visit.ip).filter(Boolean));
    const blocks = await ctx.global('blocks');
    const messages = await ctx.global('messages');
    const theirBlock = (b: {visitorId: string; ip: string}) => b.visitorId === id || addresses.has(b.ip);
    const blocksGone = blocks.blocks.filter(theirBlock).length;
    const messagesGone = messages.messages.filter((m) => m.visitorId === id).length;
    if (!v && blocksGone === 0 && messagesGone === 0) throw new OpError('not_found', `no visitor ${id}`);
    // A visitor on-line now is let go first: their chat ends, their sockets close.
    await ctx.live?.forgetVisitor(id);
    if (blocksGone > 0) await ctx.putGlobal('blocks', {blocks: blocks.blocks.filter((b) => !theirBlock(b))});
    if (messagesGone > 0) await ctx.putGlobal('messages', {messages: messages.messages.filter((m) => m.visitorId !== id)});
    // Last: the store applies every change so far to its files before removing theirs, so no
    // older copy of the lists above is left anywhere either.
    const erased = await ctx.store.eraseVisitor(id);
    return {visitorId: id, chats: erased.chats, visits: erased.visits, blocks: blocksGone, messages: messagesGone};
  },
} satisfies Partial<Handlers>;
