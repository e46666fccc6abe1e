/**
 * Turns what an operator typed into a link a visitor may be sent: absolute http(s) URLs as they
 * are, an address starting `www.` as the https site it names (the client offers one typed in a
 * message as a link: `www.mysite.com/offer.gif` is another site, not a page of this one),
 * anything else without a scheme resolved against the site's base URL. Every other scheme
 * (javascript:, data:, file: ...) is refused.
 */
export function resolveLink(input: string, base: string): string {
  const trimmed = input.trim();
  if (trimmed === '') throw new Error('empty link');
  // A scheme we do not allow must not be rescued by treating it as a relative path.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'http' && scheme !== 'https') {
    throw new Error(`only http and https links can be sent, not ${scheme}:`);
  }
  let url: URL;
  try {
    url = new URL(/^www\./i.test(trimmed) ? `https://${trimmed}` : trimmed, base);
  } catch {
    throw new Error(`not a valid link: ${trimmed}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`only http and https links can be sent, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new Error('links with credentials are not sent');
  return url.href;
}
