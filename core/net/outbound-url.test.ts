import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { checkOutboundUrl, isPublicIpv4, isPublicIpv6 } from './outbound-url';

const strict = { allowPrivate: false };
const refusedFor = (raw: string) => {
  const check = checkOutboundUrl(raw, strict);
  return check.ok ? undefined : check.reason;
};

/** An IPv4 address inside `base/bits`, as four octets. */
const inRange = (base: [number, number, number, number], bits: number) =>
  fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((offset) => {
    const value = base.reduce((sum, octet) => sum * 256 + octet, 0) + offset;
    return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff] as const;
  });

const privateIpv4 = fc.oneof(
  inRange([10, 0, 0, 0], 8),
  inRange([127, 0, 0, 0], 8),
  inRange([169, 254, 0, 0], 16),
  inRange([172, 16, 0, 0], 12),
  inRange([192, 168, 0, 0], 16),
  inRange([100, 64, 0, 0], 10),
  inRange([0, 0, 0, 0], 8),
  inRange([224, 0, 0, 0], 4),
);

/** The same address written the ways URL parsers accept: dotted, one decimal number, hex, octal, IPv4-mapped IPv6. */
const spellings = ([a, b, c, d]: readonly [number, number, number, number]) => {
  const value = ((a * 256 + b) * 256 + c) * 256 + d;
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return [
    `${a}.${b}.${c}.${d}`,
    String(value),
    `0x${value.toString(16)}`,
    `0${a.toString(8)}.0${b.toString(8)}.0${c.toString(8)}.0${d.toString(8)}`,
    `[::ffff:${a}.${b}.${c}.${d}]`,
    `[::ffff:${hex(a)}${hex(b)}:${hex(c)}${hex(d)}]`,
    `[64:ff9b::${a}.${b}.${c}.${d}]`,
    `[2002:${hex(a)}${hex(b)}:${hex(c)}${hex(d)}::1]`,
  ];
};

describe('outbound URLs (push endpoints, webhooks): refused when they could reach inside a network', () => {
  test('a private, loopback, link-local or multicast IPv4 address is refused however it is spelled', () => {
    fc.assert(
      fc.property(privateIpv4, fc.constantFrom('', ':8443'), fc.webPath(), (octets, port, path) => {
        for (const host of spellings(octets)) {
          expect(refusedFor(`https://${host}${port}${path}`), host).toBe('private-address');
        }
      }),
    );
  });

  test('public IPv4 addresses pass, in every spelling', () => {
    const publicIpv4 = fc
      .tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255))
      .filter((octets) => isPublicIpv4(octets.join('.')));
    fc.assert(
      fc.property(publicIpv4, (octets) => {
        for (const host of spellings(octets)) expect(refusedFor(`https://${host}/push`), host).toBeUndefined();
      }),
    );
  });

  test('known non-public addresses and names are refused; public ones pass', () => {
    const refused: [string, string][] = [
      ['https://localhost/x', 'internal-name'],
      ['https://push.localhost/x', 'internal-name'],
      ['https://intranet/x', 'internal-name'],
      ['https://printer.local/x', 'internal-name'],
      ['https://metadata.google.internal/x', 'internal-name'],
      ['https://router.home.arpa/x', 'internal-name'],
      ['https://169.254.169.254/latest/meta-data', 'private-address'],
      ['https://[::1]/x', 'private-address'],
      ['https://[::]/x', 'private-address'],
      ['https://[fe80::1]/x', 'private-address'],
      ['https://[fd12:3456::1]/x', 'private-address'],
      ['https://[ff02::1]/x', 'private-address'],
      ['https://[2001:db8::1]/x', 'private-address'],
      ['https://[2001:0::1]/x', 'private-address'],
      ['https://192.0.2.10/x', 'private-address'],
      ['https://255.255.255.255/x', 'private-address'],
      ['http://fcm.googleapis.com/fcm/send/abc', 'not-https'],
      ['ftp://example.com/x', 'not-https'],
      ['https://user:pw@example.com/x', 'credentials'],
      ['not a url', 'not-a-url'],
      ['/relative/path', 'not-a-url'],
    ];
    for (const [raw, reason] of refused) expect(refusedFor(raw), raw).toBe(reason);
    for (const raw of [
      'https://fcm.googleapis.com/fcm/send/abc:def',
      'https://updates.push.services.mozilla.com/wpush/v2/gAAA',
      'https://web.push.apple.com/QGuQ',
      'https://hooks.example.org:8443/carewatch',
      'https://8.8.8.8/x',
      'https://[2606:4700:4700::1111]/x',
      'https://example.com./x',
    ]) {
      expect(refusedFor(raw), raw).toBeUndefined();
    }
  });

  test('IPv6 classification matches the ranges: global unicast less special blocks', () => {
    expect(isPublicIpv6('2606:4700::1')).toBe(true);
    expect(isPublicIpv6('2001:4860:4860::8888')).toBe(true);
    expect(isPublicIpv6('::ffff:8.8.8.8')).toBe(false); // not the parser's form: refused rather than guessed
    expect(isPublicIpv6('::ffff:808:808')).toBe(true);
    expect(isPublicIpv6('::ffff:a00:1')).toBe(false);
    expect(isPublicIpv6('1:2:3')).toBe(false);
    expect(isPublicIpv6('1::2::3')).toBe(false);
  });

  test('tests and local stacks may allow private hosts and plain http, never credentials', () => {
    const relaxed = { allowPrivate: true };
    expect(checkOutboundUrl('http://127.0.0.1:9000/push', relaxed).ok).toBe(true);
    expect(checkOutboundUrl('http://localhost/hook', relaxed).ok).toBe(true);
    expect(checkOutboundUrl('http://a:b@localhost/hook', relaxed)).toMatchObject({ ok: false, reason: 'credentials' });
    expect(checkOutboundUrl('ws://localhost/hook', relaxed)).toMatchObject({ ok: false, reason: 'not-https' });
  });

  test('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true })), (raw) => {
        const check = checkOutboundUrl(raw, strict);
        expect(typeof check.ok).toBe('boolean');
      }),
    );
  });
});
