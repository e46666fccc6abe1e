import {hostname} from 'node:os';
import {randomBytes} from 'node:crypto';
import {CLUSTER_CHANNEL as CHANNEL, clusterMessage, type ClusterMessage, type ClusterOut} from '../protocol/cluster.js';
import type {ClusterView, Hub} from '../hub/hub.js';
import {Applier} from './apply.js';
import {Presence} from './presence.js';
import {connectRedis, whenUp} from './redis.js';
import {resync} from './resync.js';
import {SharedDeadlines} from './shared-deadlines.js';
import {LimitAsker, SharedAuthLimits, SharedRates} from './shared-limits.js';

export interface ClusterOptions {
  redisUrl: string;
  /** Heartbeat period, and the silence after which a hub is taken for dead. */
  beatMs?: number;
  deadAfterMs?: number;
}

/**
 * Joins a hub to the others sharing its store, through Redis: what it stores and sends is
 * told to them (pub/sub), who is connected where is kept in Redis (presence), and deadlines
 * are shared. When Redis is lost the hub goes on alone (reporting itself unhealthy); when it
 * returns, everything Redis held is written again and what was missed is read from the store.
 */
export async function startCluster(hub: Hub, options: ClusterOptions): Promise<ClusterView> {
  const hubId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const log = (line: string) => hub.log(`cluster: ${line}`);
  const redis = connectRedis(options.redisUrl, log);
  const beatMs = options.beatMs ?? 1000;
  // Something this hub stored may not have reached the others (a publication failed): its next
  // hello asks every hub to read from the store what it missed, since nothing else would tell
  // them (a gap is only noticed when a later event of the same chat arrives).
  let untold = false;
  const publish = (message: ClusterOut) => {
    redis.cmd.publish(CHANNEL, JSON.stringify({...message, from: hubId})).catch(() => (untold = true));
  };
  const helloCatchingUp = () => {
    untold = false;
    publish({t: 'hello', catchUp: true});
  };
  const localOperators = () => [...hub.sessions.operatorConns].filter(([, conns]) => conns.size > 0).map(([name]) => name);
  const presence = new Presence(redis, {hubId, beatMs, deadAfterMs: options.deadAfterMs ?? 5 * beatMs}, {
    operatorsChanged() {
      hub.sessions.remoteOperators = presence.remoteOperators();
      hub.sessions.announceAvailability();
    },
    adopt(deadlines) {
      const at = hub.now();
      for (const d of deadlines) hub.deadlines.set(d, at + (d.kind === 'operator' ? hub.operatorGraceMs : hub.visitorGraceMs));
    },
    log,
  });
  const announceOperators = () => {
    const names = localOperators();
    presence.publishOperators(names).catch(() => {});
    publish({t: 'operators', names});
  };
  // A hub that (re)joined wrote what it holds into Redis: read it, and say what this one holds.
  const applier = new Applier(hub, presence, (from, catchUp) => {
    presence.reread(from).catch((error: unknown) => log(`presence of ${from}: ${String(error)}`));
    announceOperators();
    if (catchUp) catchUpFromStore();
  });
  // One catch-up at a time; hellos that come meanwhile make it run once more after.
  let catching: Promise<void> | undefined;
  let catchAgain = false;
  const catchUpFromStore = () => {
    if (catching) return void (catchAgain = true);
    catching = resync(hub, applier)
      .catch((error: unknown) => log(`catching up from the store: ${String(error)}`))
      .finally(() => {
        catching = undefined;
        if (catchAgain) {
          catchAgain = false;
          catchUpFromStore();
        }
      });
  };

  const deadlines = new SharedDeadlines(redis, hub.now, (d) => hub.fireDeadline(d), log, (key, at) => publish({t: 'fired', key, at}));
  hub.deadlines = deadlines;
  // An address's budgets and failed sign-ins count on every hub alike.
  const limits = new LimitAsker(redis, hub.now, hubId, log);
  hub.rates = new SharedRates(limits, hub.budgets);
  hub.authLimits = new SharedAuthLimits(limits, hub.authLimits);
  hub.chats.shared = true;
  // Every event stored here goes to the sockets here through the sequencer, in seq order with
  // those stored elsewhere (the hub's own fan-out calls are then left to it).
  for (const [id, open] of hub.chats.open) {
    applier.sequencer.start(id, open.lastSeq);
    applier.current(open.chat, open.lastSeq);
  }
  hub.sessions.ordered = true;
  hub.chats.onRefreshed = (chat, lastSeq) => applier.current(chat, lastSeq);
  hub.chats.onStored = (chat, e, changed) => {
    // A change of the record stored here makes this copy that new.
    if (changed) applier.current(chat, e.seq);
    publish({t: 'ev', chat, e, rv: applier.versionOf(chat.id) ?? 0});
    applier.sequencer.push(chat.id, {chat: structuredClone(chat), e});
  };
  applier.feed.start('feed', await hub.store.feedEnd());
  hub.onFeed = (entry) => {
    publish({t: 'feed', entry});
    applier.feed.push('feed', entry);
  };
  hub.sessions.onLocalOperators = announceOperators;
  hub.sessions.relay = (message) => {
    publish(message);
    if (message.t !== 'ops') return;
    // The visitors served here, where the other hubs' lists read them.
    const f = message.frame;
    if (f.t === 'visitor.update' && hub.sessions.visitors.get(f.visitor.id)?.conns.size) presence.setVisitor(f.visitor);
    else if (f.t === 'visitor.gone') {
      presence.dropVisitor(f.visitorId);
      // Gone from this hub's list of other hubs' visitors too when it was a dead hub's: fired
      // here, the frame reaches every other hub but not this one. A live hub's visitor stays
      // (its hub says when it leaves): right after Redis came back, this hub may not know yet
      // that the visitor is still there.
      const known = presence.visitors.get(f.visitorId);
      if (known && !known.summary.online) presence.visitors.delete(f.visitorId);
    }
  };

  // Every hub hears its own publications too: they end as `publish` ends them, and are let go
  // unread (with one hub on Redis, that is every message on the bus).
  const ownEnding = `"from":${JSON.stringify(hubId)}}`;
  redis.sub.on('message', (_channel: string, raw: string) => {
    if (raw.endsWith(ownEnding)) return;
    let parsed;
    try {
      parsed = clusterMessage.safeParse(JSON.parse(raw));
    } catch {
      return log('a message on the bus is not JSON');
    }
    if (!parsed.success) return log(`a message on the bus does not fit the protocol: ${parsed.error.issues[0]?.message}`);
    if (parsed.data.from === hubId) return;
    if (parsed.data.t === 'fired') return deadlines.firedElsewhere(parsed.data.key, parsed.data.at);
    try {
      applier.apply(parsed.data as ClusterMessage);
    } catch (error) {
      log(`applying a ${parsed.data.t} message: ${String(error)}`);
    }
  });
  await redis.sub.subscribe(CHANNEL).catch((e: unknown) => log(`subscribe: ${String(e)}`));

  // Redis back after a loss: write again what it held, read again what was missed.
  let lost = false;
  /** Writes again what this hub keeps in Redis, and reads again what the others keep. */
  const reannounce = async () => {
    await presence.rebuild();
    deadlines.restore();
    for (const live of hub.sessions.visitors.values()) if (live.conns.size > 0) presence.setVisitor(hub.sessions.visitorSummary(live));
    // What was stored here while Redis was away never went out: the others read it.
    helloCatchingUp();
  };
  const recover = () => {
    if (!lost || !redis.up()) return;
    lost = false;
    log('redis is back: presence, deadlines and chats are brought up to date');
    reannounce()
      .then(() => resync(hub, applier))
      .catch((error: unknown) => {
        log(`recovery: ${String(error)}`);
        lost = true;
      });
  };
  for (const c of [redis.cmd, redis.sub]) {
    c.on('close', () => (lost = true));
    c.on('ready', recover);
  }

  if (await whenUp(redis, 5000)) {
    await presence.beat().catch(() => {});
    await presence.rebuild().catch((error: unknown) => log(`presence: ${String(error)}`));
    publish({t: 'hello'});
  } else {
    lost = true;
    log(`redis at ${options.redisUrl} does not answer: serving alone until it does`);
  }
  deadlines.start();
  const beat = setInterval(() => {
    if (!redis.up()) return;
    // A publication failed while Redis stayed up (no recovery will say so).
    if (untold && !lost) helloCatchingUp();
    presence
      .beat()
      .then((missing) => {
        if (!missing || lost) return;
        // Taken for dead (a long pause): the others forgot this hub; tell them again.
        log('this hub was taken for dead: its presence is written again');
        return reannounce();
      })
      .catch((error: unknown) => log(`heartbeat: ${String(error)}`));
  }, beatMs);
  beat.unref();

  return {
    id: hubId,
    remoteVisitors: () => [...presence.visitors.values()].filter((v) => !hub.sessions.visitors.has(v.summary.id)).map((v) => v.summary),
    visitorElsewhere: (id) => (redis.up() ? presence.visitorElsewhere(id) : Promise.resolve(false)),
    presenceSettled: () => (redis.up() ? presence.settled() : Promise.resolve(true)),
    visitorHere: (id) => publish({t: 'here', visitorId: id}),
    visitorDropped: (id) => presence.dropVisitor(id),
    health: () => (redis.up() ? 'ok' : 'down'),
    async stop() {
      clearInterval(beat);
      deadlines.stop();
      applier.sequencer.stop();
      applier.feed.stop();
      if (redis.up()) await presence.leave().catch(() => {});
      await redis.close();
    },
  };
}
