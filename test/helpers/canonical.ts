/**
 * A value's JSON with every object's keys sorted: two copies of an event that went different
 * ways (stored here and sent at once, relayed by another hub, read back from the store) may list
 * their fields in another order, which JSON gives no meaning; any other difference shows.
 */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
