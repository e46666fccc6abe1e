import {connect, createServer, type AddressInfo, type Socket} from 'node:net';

export interface CutProxy {
  port: number;
  /** Connections passing through now. */
  readonly live: number;
  /** Cuts every connection through it at once, as a network that drops: returns how many. */
  cut(): number;
  close(): Promise<void>;
}

/**
 * A TCP pass-through to a hub on 127.0.0.1:`target` that can cut its connections: both ends are
 * destroyed on the spot, so whatever was in flight either way is lost and each side learns of it
 * only from its own socket, as when a network goes away.
 */
export async function cutProxy(target: number): Promise<CutProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
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
  return {
    port: (server.address() as AddressInfo).port,
    get live() {
      return pairs.size;
    },
    cut() {
      const n = pairs.size;
      for (const [a, b] of [...pairs]) {
        // A reset rather than a close: nothing more is read or written on either side.
        a.resetAndDestroy();
        b.resetAndDestroy();
      }
      pairs.clear();
      return n;
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
