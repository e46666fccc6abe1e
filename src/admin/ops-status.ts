import {readdir, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {VERSION} from '../lib/version.js';
import type {Handlers} from './handlers.js';

/** Bytes the data folder holds, every file counted once (no symlinks followed). */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, {withFileTypes: true}).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(path);
    else if (e.isFile()) total += (await stat(path).catch(() => ({size: 0}))).size;
  }
  return total;
}

export const statusOps = {
  status: async (ctx) => {
    const open = (await ctx.store.openChats()).filter((c) => c.chat.kind === 'visitor' && c.chat.state !== 'ended').length;
    const live = ctx.live;
    return {
      hub: live ? {up: true, version: VERSION, url: live.url, pid: live.pid} : {up: false, version: VERSION},
      visitorsOnline: live?.visitorsOnline(),
      operatorsOnline: live?.operatorsOnline(),
      openChats: open,
      dataBytes: await folderBytes(ctx.dataDir),
      dataDir: ctx.dataDir,
    };
  },
} satisfies Partial<Handlers>;
