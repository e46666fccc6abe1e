/**
 * Resolves once the event loop has turned (sockets, timers and file callbacks had their go):
 * what gathers writes asked for in one turn, or background work done a slice at a time, waits
 * on it.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
