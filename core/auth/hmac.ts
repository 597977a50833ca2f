import { base64Url, hex } from './sha256';

const encoder = new TextEncoder();

const keys = new Map<string, Promise<CryptoKey>>();
/**
 * Secrets a process signs with: its JWT secret, the integration signing key and one secret per webhook endpoint.
 * Importing a key costs more than the HMAC it is for (each push signs an action token, each webhook call a body).
 */
const KEYS_KEPT = 1_000;

/** The Web Crypto key of an HMAC-SHA256 secret (sign and verify), imported once. */
export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= KEYS_KEPT) keys.clear();
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keys.set(secret, key);
    // A refused key is not remembered: the next call tries again.
    key.catch(() => keys.delete(secret));
  }
  return key;
}

/** HMAC-SHA256 of `message` under `secret` (Web Crypto: the same on Node and Workers). */
export async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(message)));
}

export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  return hex(await hmacSha256(secret, message));
}

export async function hmacSha256Base64Url(secret: string, message: string): Promise<string> {
  return base64Url(await hmacSha256(secret, message));
}

/** Compares two strings in time that depends only on their length (signatures, tokens). */
export function equalInConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}
