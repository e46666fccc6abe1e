// The child side of parent <-> load-client IPC: {id, cmd, arg} in, {re, ok, r|error} out.

/** Answers the parent's commands with `handlers`; exits when the parent goes away. */
export function serve(handlers) {
  process.on('message', async (m) => {
    try {
      const handler = handlers[m.cmd];
      if (!handler) throw new Error(`unknown command ${m.cmd}`);
      const r = await handler(m.arg);
      process.send({re: m.id, ok: true, r});
    } catch (error) {
      process.send({re: m.id, ok: false, error: error instanceof Error ? error.stack : String(error)});
    }
  });
  // A parent that died (or was killed) must not leave thousands of sockets behind.
  process.on('disconnect', () => process.exit(0));
}
