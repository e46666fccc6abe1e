/**
 * Which events of each chat this hub has heard of (stored here, or told by another hub), so
 * each reaches the sockets here once, and what was missed while Redis was away can be read from
 * the store. A chat's seqs have no gaps (the store numbers them one by one), so "everything up
 * to N, and these few after it" says it all.
 */
export class Heard {
  private readonly chats = new Map<string, {upTo: number; above: Set<number>}>();

  /** The chat's events up to `seq` were all there when this hub started serving it. */
  start(chatId: string, seq: number): void {
    if (!this.chats.has(chatId)) this.chats.set(chatId, {upTo: seq, above: new Set()});
  }

  /** Records `seq` of the chat; false when it was heard before. */
  add(chatId: string, seq: number): boolean {
    let c = this.chats.get(chatId);
    if (!c) this.chats.set(chatId, (c = {upTo: 0, above: new Set()}));
    if (seq <= c.upTo || c.above.has(seq)) return false;
    c.above.add(seq);
    while (c.above.delete(c.upTo + 1)) c.upTo++;
    return true;
  }

  /** Every event up to this one was heard. */
  upTo(chatId: string): number {
    return this.chats.get(chatId)?.upTo ?? 0;
  }

  forget(chatId: string): void {
    this.chats.delete(chatId);
  }
}
