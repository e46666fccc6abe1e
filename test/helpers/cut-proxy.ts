import {connect, createServer, type AddressInfo, type Socket} from 'node:net';

export interface CutProxy {
  port: number;
  /** Connections held now (silent ones included). */
  readonly live: number;
  /** Cuts every connection through it at once, as a network that drops: returns how many. */
  cut(): number;
  /** Cuts every connection and refuses new ones until `open()`, as a network that stays down. */
  shut(): void;
  open(): void;
  /**
   * The connections passing through now go silent: what either side sends is swallowed and
   * nothing is closed, as when a NAT entry is lost; new connections pass. Returns how many.
   */
  silence(): number;
  close(): Promise<void>;
}

/**
 * A TCP pass-through to a server on 127.0.0.1:`target` (a hub, Redis) that can cut its
 * connections: both ends are destroyed on the spot, so whatever was in flight either way is lost
 * and each side learns of it only from its own socket, as when a network goes away.
 */
export async function cutProxy(target: number): Promise<CutProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  const silent = new WeakSet<[Socket, Socket]>();
  const server = createServer((client) => {
    if (refusing) return client.resetAndDestroy();
    const upstream = connect(target, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of pair) {
      s.on('error', end);
      s.on('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    const n = pairs.size;
    for (const [a, b] of [...pairs]) {
      // A reset rather than a close: nothing more is read or written on either side.
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    pairs.clear();
    return n;
  };
  return {
    port: (server.address() as AddressInfo).port,
    get live() {
      return pairs.size;
    },
    cut,
    shut() {
      refusing = true;
      cut();
    },
    silence() {
      let n = 0;
      for (const pair of pairs) {
        if (silent.has(pair)) continue;
        silent.add(pair);
        n++;
        const [a, b] = pair;
        a.unpipe(b);
        b.unpipe(a);
        // Read and dropped, so that neither side is ever held back by a full buffer either.
        for (const s of pair) s.on('data', () => {});
      }
      return n;
    },
    open() {
      refusing = false;
    },
    async close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
