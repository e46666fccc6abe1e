/** Waits until `check` holds, looking every 50 ms; fails naming `what` after a generous time (a busy 2-core machine). */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, seconds = 20): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
