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

export async function hashHubKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}
