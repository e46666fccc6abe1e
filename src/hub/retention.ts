import type {Hub} from './hub.js';

const DAY = 86_400_000;

/**
 * Ended chats and visits older than a site's retention period are removed once at start and
 * daily after. The period is the site's own setting, else the hub's `--retain-days`; a site with
 * neither keeps everything.
 */
export function startRetention(hub: Hub): void {
  const prune = async () => {
    const now = hub.now();
    const days = (site: string) => hub.sessions.findSite(site)?.retainDays ?? hub.options.retainDays;
    if (!hub.sessions.sites.some((s) => (s.retainDays ?? hub.options.retainDays) !== undefined)) return;
    const pruned = await hub.store.prune((site) => {
      const d = days(site);
      return d === undefined ? undefined : now - d * DAY;
    });
    if (pruned.chats + pruned.visits > 0) hub.log(`retention: removed ${pruned.chats} ended chat(s) and ${pruned.visits} visit(s)`);
  };
  const daily = () => {
    prune()
      .catch((error: unknown) => hub.log(`retention failed (tried again tomorrow): ${String(error)}`))
      .finally(() => {
        if (!hub.stopped) hub.later(DAY, daily);
      });
  };
  daily();
}
