/*
 * Admin operations that list answer a page at a time with a cursor to the next: a command walks
 * them with this, so neither it nor the hub ever holds the whole listing.
 */

/** Pages of a listing, the next one asked for while the caller works on this one. */
export async function* pages<T extends {next?: string}>(fetch: (cursor?: string) => Promise<T>): AsyncGenerator<T> {
  let coming = fetch(undefined);
  for (;;) {
    const page = await coming;
    if (page.next !== undefined) {
      coming = fetch(page.next);
      // Should the caller stop early, a failure of the page nobody waits for is not an error.
      coming.catch(() => {});
    }
    yield page;
    if (page.next === undefined) return;
  }
}
