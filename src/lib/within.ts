/**
 * `work`'s outcome if it comes within `ms`; otherwise a rejection with what `late()` returns
 * (which may also act: drop the connection that did not answer). Work that loses settles later,
 * or never, unheard. The timer does not keep the process alive by itself.
 */
export function within<T>(work: PromiseLike<T>, ms: number, late: () => Error): Promise<T> {
  const running = Promise.resolve(work);
  running.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const overdue = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
    timer.unref();
  });
  return Promise.race([running, overdue]).finally(() => clearTimeout(timer));
}
