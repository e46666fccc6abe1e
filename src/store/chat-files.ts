import {readdir} from 'node:fs/promises';
import {join} from 'node:path';

/** The ids of every chat in the data folder, in name order (new ids start with their time). */
export async function listChatIds(dir: string): Promise<string[]> {
  const names = await readdir(join(dir, 'chats')).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .map((n) => n.slice(0, -5))
    .sort();
}
