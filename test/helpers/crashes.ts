/**
 * What would end a Node process (an uncaught exception, an unhandled rejection), recorded instead
 * for the test to assert on: the listeners keep this process alive to report. Empty the array
 * between cases to tell them apart.
 */
export function recordCrashes(): string[] {
  const crashes: string[] = [];
  process.on('unhandledRejection', (reason) => crashes.push(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}`));
  process.on('uncaughtException', (error) => crashes.push(`uncaught exception: ${error.stack}`));
  return crashes;
}
