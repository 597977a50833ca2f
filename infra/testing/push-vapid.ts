// VAPID (RFC 8292) as a push service checks it: `Authorization: vapid t=<JWT>, k=<application server key>`, the
// JWT signed with ES256 by that key, naming this push service as audience, expiring within 24 hours.
import { createPublicKey, type KeyObject, verify } from 'node:crypto';

export interface VapidClaims {
  sub: string;
  aud: string;
  exp: number;
  /** The `k` parameter: the application server's uncompressed P-256 public key, base64url. */
  publicKey: string;
}

export type VapidCheck = { ok: true; vapid: VapidClaims } | { ok: false; status: 401 | 403; reason: string };

export interface VapidRequirements {
  /** The push service's origin, as the endpoint names it. */
  audience: string;
  /** When set, the only application server key accepted (a restricted subscription, RFC 8292 §4.2). */
  applicationServerKey?: string;
  nowSeconds: number;
}

const MAX_EXPIRY_SECONDS = 24 * 60 * 60;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// The caches only spare repeated work in long benchmarks; emptied when full so memory stays bounded.
const CACHE_LIMIT = 10_000;

/** Builds a checker that remembers parsed keys and verified signatures (a sender may reuse one JWT for hours). */
export function createVapidVerifier(): (authorization: string | undefined, required: VapidRequirements) => VapidCheck {
  const keys = new Map<string, KeyObject | null>();
  const verified = new Map<string, Omit<VapidClaims, 'publicKey'>>();

  function publicKeyFor(k: string): KeyObject | null {
    let key = keys.get(k);
    if (key === undefined) {
      if (keys.size >= CACHE_LIMIT) keys.clear();
      key = importP256PublicKey(k);
      keys.set(k, key);
    }
    return key;
  }

  function verifiedClaims(token: string, k: string): Omit<VapidClaims, 'publicKey'> | string {
    const cacheKey = `${k} ${token}`;
    const cached = verified.get(cacheKey);
    if (cached) return cached;
    const key = publicKeyFor(k);
    if (!key) return 'k is not an uncompressed P-256 public key';
    const claims = verifyEs256Jwt(token, key);
    if (typeof claims === 'string') return claims;
    if (verified.size >= CACHE_LIMIT) verified.clear();
    verified.set(cacheKey, claims);
    return claims;
  }

  return function checkVapid(authorization, required) {
    const params = parseVapidAuthorization(authorization);
    if (typeof params === 'string') return { ok: false, status: 401, reason: params };
    const claims = verifiedClaims(params.t, params.k);
    if (typeof claims === 'string') return { ok: false, status: 401, reason: claims };
    if (claims.aud !== required.audience) {
      return { ok: false, status: 401, reason: `aud ${claims.aud} is not ${required.audience}` };
    }
    if (claims.exp <= required.nowSeconds) return { ok: false, status: 401, reason: 'exp has passed' };
    if (claims.exp > required.nowSeconds + MAX_EXPIRY_SECONDS) {
      return { ok: false, status: 401, reason: 'exp is more than 24 hours ahead' };
    }
    if (required.applicationServerKey && !sameKey(params.k, required.applicationServerKey)) {
      return { ok: false, status: 403, reason: 'k is not the key this subscription was made with' };
    }
    return { ok: true, vapid: { ...claims, publicKey: params.k } };
  };
}

function parseVapidAuthorization(header: string | undefined): { t: string; k: string } | string {
  if (!header) return 'no Authorization header';
  const match = /^vapid\s+(.*)$/is.exec(header.trim());
  if (!match?.[1]) return 'Authorization scheme is not vapid';
  const params = new Map<string, string>();
  for (const part of match[1].split(',')) {
    const equals = part.indexOf('=');
    if (equals < 0) return `malformed auth-param ${part.trim()}`;
    const value = part.slice(equals + 1).trim();
    params.set(part.slice(0, equals).trim().toLowerCase(), value.replace(/^"(.*)"$/s, '$1'));
  }
  const t = params.get('t');
  const k = params.get('k');
  if (!t || !k) return 'vapid needs both t and k';
  return { t, k };
}

function importP256PublicKey(k: string): KeyObject | null {
  if (!BASE64URL.test(k)) return null;
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 0x04) return null;
  try {
    return createPublicKey({
      format: 'jwk',
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
    });
  } catch {
    return null; // not a point on the curve
  }
}

/** Checks the signature and the claims' types; what the claims must say is the caller's business. */
function verifyEs256Jwt(token: string, key: KeyObject): Omit<VapidClaims, 'publicKey'> | string {
  const parts = token.split('.');
  const [header, payload, signature] = parts;
  if (parts.length !== 3 || !header || !payload || !signature || !parts.every((part) => BASE64URL.test(part))) {
    return 't is not a compact JWS';
  }
  if (jsonPart(header)?.alg !== 'ES256') return 'JWT alg is not ES256';
  // JOSE signs with the raw r||s form (RFC 7518 §3.4), not the DER node:crypto uses by default.
  const signed = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) return 'JWT signature does not verify with k';
  const claims = jsonPart(payload);
  if (typeof claims?.aud !== 'string') return 'JWT has no aud';
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return 'JWT has no numeric exp';
  if (typeof claims.sub !== 'string' || !isContactUrl(claims.sub)) return 'JWT sub is not a mailto: or https: URL';
  return { aud: claims.aud, exp: claims.exp, sub: claims.sub };
}

function jsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isContactUrl(sub: string): boolean {
  try {
    const { protocol } = new URL(sub);
    return protocol === 'mailto:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function sameKey(a: string, b: string): boolean {
  return Buffer.from(a, 'base64url').equals(Buffer.from(b, 'base64url'));
}
