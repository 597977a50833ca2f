import { base64Url, sha256Hex } from './sha256';

// Hub API keys are 32 random bytes; a single SHA-256 is the right hash for a high-entropy secret
// (no dictionary to resist), and it lets ingest find the hub by an indexed lookup on the hash.
const KEY_PREFIX = 'cwh_';

export interface HubKey {
  /** Shown once to whoever creates the hub; never stored. */
  key: string;
  /** First characters, stored so staff can tell keys apart. */
  prefix: string;
  hash: string;
}

export async function generateHubKey(): Promise<HubKey> {
  const secret = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  return hubKeyFrom(`${KEY_PREFIX}${secret}`);
}

/** Derives prefix and hash of a given key (used for deterministic demo keys and for lookups). */
export async function hubKeyFrom(key: string): Promise<HubKey> {
  return { key, prefix: key.slice(0, KEY_PREFIX.length + 6), hash: await hashHubKey(key) };
}

export function hashHubKey(key: string): Promise<string> {
  return sha256Hex(key);
}
