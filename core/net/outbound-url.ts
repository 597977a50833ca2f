/**
 * Whether the service may call a URL someone else gave it (a push subscription's endpoint, an integration webhook):
 * HTTPS, no credentials in it, and a host that is neither a private, loopback, link-local or otherwise non-public
 * address nor a name that only means something inside a network. Without this, a staff member could make the
 * service POST into its own network (SSRF). Tests and a local development stack allow private hosts and plain HTTP
 * explicitly (`allowPrivate`).
 *
 * This checks the URL as written: numeric hosts in any spelling (`2130706433`, `0x7f.1`, `[::ffff:7f00:1]`) are
 * judged after the WHATWG URL parser has normalised them. A name that resolves to a private address is the sender's
 * to refuse when it connects (it resolves the name then), since the answer can change after this check.
 */
export type OutboundUrlCheck = { ok: true; url: URL } | { ok: false; reason: OutboundUrlRefusal; detail: string };

export type OutboundUrlRefusal = 'not-a-url' | 'not-https' | 'credentials' | 'private-address' | 'internal-name';

export function checkOutboundUrl(raw: string, options: { allowPrivate: boolean }): OutboundUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('not-a-url', 'is not an absolute URL');
  }
  const plainHttpAllowed = options.allowPrivate && url.protocol === 'http:';
  if (url.protocol !== 'https:' && !plainHttpAllowed) return refuse('not-https', 'must use https');
  if (url.username !== '' || url.password !== '')
    return refuse('credentials', 'must not carry a user name or password');
  if (options.allowPrivate) return { ok: true, url };
  const host = url.hostname;
  if (host.startsWith('[')) {
    if (!isPublicIpv6(host.slice(1, -1))) return refuse('private-address', 'points at a non-public address');
  } else if (IPV4_DOTTED.test(host)) {
    if (!isPublicIpv4(host)) return refuse('private-address', 'points at a non-public address');
  } else if (isInternalName(host)) {
    return refuse('internal-name', 'names a host that only exists inside a network');
  }
  return { ok: true, url };
}

/** The URL parser answers numeric IPv4 hosts in this form, however they were written. */
const IPV4_DOTTED = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** A host name that cannot be a public one: a single label, `localhost`, or a suffix reserved for local use. */
function isInternalName(host: string): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (!name.includes('.')) return true;
  return INTERNAL_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`));
}

const INTERNAL_SUFFIXES = ['localhost', 'local', 'internal', 'intranet', 'lan', 'home', 'corp', 'home.arpa'];

/** Ranges of IANA's special-purpose registry that are not reachable public unicast addresses (RFC 6890 and after). */
const NON_PUBLIC_IPV4: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
];

export function isPublicIpv4(address: string): boolean {
  const value = ipv4Value(address);
  if (value === undefined) return false;
  return !NON_PUBLIC_IPV4.some(([base, bits]) => inPrefix(value, ipv4Value(base) ?? 0, bits));
}

function ipv4Value(address: string): number | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return undefined;
  return parts.reduce((value, part) => value * 256 + part, 0);
}

function inPrefix(value: number, base: number, bits: number): boolean {
  const size = 2 ** (32 - bits);
  return Math.floor(value / size) === Math.floor(base / size);
}

/**
 * Public IPv6 unicast is 2000::/3 less the special ranges in it; addresses that embed an IPv4 one (mapped,
 * NAT64, 6to4) are judged by that IPv4 address.
 */
export function isPublicIpv6(address: string): boolean {
  const groups = ipv6Groups(address);
  if (!groups) return false;
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const embedded = `${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return isPublicIpv4(embedded);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return isPublicIpv4(embedded);
  if (g0 === 0x2002) return isPublicIpv4(`${g1 >> 8}.${g1 & 0xff}.${g2 >> 8}.${g2 & 0xff}`);
  if ((g0 & 0xe000) !== 0x2000) return false; // outside global unicast: ::, ::1, ULA, link-local, multicast, …
  if (g0 === 0x2001 && g1 < 0x0200) return false; // IETF protocol assignments (Teredo, benchmarking, ORCHID, …)
  if (g0 === 0x2001 && g1 === 0x0db8) return false; // documentation
  if (g0 === 0x3fff && g1 < 0x1000) return false; // documentation (RFC 9637)
  return true;
}

/** The eight 16-bit groups of an IPv6 address as the URL parser prints it (compressed, lower case, no zone). */
function ipv6Groups(address: string): number[] | undefined {
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined) =>
    part
      ? part.split(':').map((group) => (/^[0-9a-f]{1,4}$/i.test(group) ? Number.parseInt(group, 16) : Number.NaN))
      : [];
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => 0), ...tail];
  return groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : undefined;
}

function refuse(reason: OutboundUrlRefusal, detail: string): OutboundUrlCheck {
  return { ok: false, reason, detail };
}
