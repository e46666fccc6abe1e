import {isIP} from 'node:net';

/**
 * The address a limit counts by. An IPv6 host is commonly given a whole /64 and may take a new
 * address in it at will (privacy extensions do, every few hours), so budgets counted per
 * address would give one abuser as many fresh budgets as they like: IPv6 addresses count by
 * their /64. An IPv4 address, written plainly or mapped into IPv6 (`::ffff:192.0.2.1`), counts
 * by itself.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIP(ip) !== 6) return ip;
  return `${hextets(ip.split('%')[0]!).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, "::" filled in and leading zeros dropped. */
function hextets(ip: string): string[] {
  const [head = '', tail] = ip.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':').flatMap((g) => (g.includes('.') ? fromDotted(g) : [g])));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const zeros = Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}

/** An IPv4 address ending an IPv6 one (`64:ff9b::192.0.2.1`): two groups. */
function fromDotted(v4: string): string[] {
  const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
