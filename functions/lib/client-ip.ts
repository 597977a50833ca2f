/** `::ffff:10.0.0.5` (an IPv4 peer on a dual-stack socket) and `10.0.0.5` are the same address. */
export function normaliseIp(address: string): string {
  const trimmed = address.trim().toLowerCase();
  return trimmed.startsWith('::ffff:') && trimmed.includes('.') ? trimmed.slice('::ffff:'.length) : trimmed;
}

const looksLikeIp = (text: string) => /^[0-9a-f:.]+$/.test(text) && text.length <= 45;

/**
 * The client's address as the first proxy we do not trust saw it. When the socket peer is one of `trustedProxies`,
 * `X-Forwarded-For` is read from the right (each proxy appends the address it received from) and the rightmost
 * entry that is not itself a trusted proxy is the client; entries to its left were written by the client and
 * prove nothing. Without a trusted peer, or with an unusable header, the peer address is the answer.
 */
export function clientIpBehindProxies(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trustedProxies: ReadonlySet<string>,
): string | undefined {
  if (!peer) return undefined;
  const peerIp = normaliseIp(peer);
  if (!trustedProxies.has(peerIp) || !forwardedFor) return peerIp;
  const hops = forwardedFor.split(',').map(normaliseIp);
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = hops[index] ?? '';
    if (!looksLikeIp(hop)) return peerIp;
    if (!trustedProxies.has(hop)) return hop;
  }
  return peerIp;
}
