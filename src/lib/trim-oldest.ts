/**
 * Deletes the entries first in `map`'s order until at most `keep` are left. A table that moves
 * an entry to the end whenever it is used (delete, then set) so lets go of those unused longest.
 */
export function trimOldest(map: Map<unknown, unknown>, keep: number): void {
  for (const key of map.keys()) {
    if (map.size <= keep) return;
    map.delete(key);
  }
}
