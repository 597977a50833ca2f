import { createHmac } from 'node:crypto';
import type { IceServer } from '../protocol';

/**
 * Short-lived TURN credentials (the "TURN REST API" scheme coturn checks with `--use-auth-secret`): username
 * `<expiry unix seconds>:<who>`, credential base64(HMAC-SHA1(shared secret, username)). Each viewer gets its own,
 * valid for `ttlSeconds`, so a credential copied out of a browser stops working instead of relaying forever.
 * TURN entries that already carry a username keep it (static credentials); without a secret nothing changes.
 */
export function withTurnCredentials(
  servers: readonly IceServer[],
  turn: { secret: string; ttlSeconds: number },
  who: string,
  nowMs = Date.now(),
): IceServer[] {
  if (!turn.secret) return [...servers];
  const username = `${Math.floor(nowMs / 1000) + turn.ttlSeconds}:${who}`;
  const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
  return servers.map((server) => {
    const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
    const isTurn = urls.some((url) => /^turns?:/.test(url));
    return isTurn && server.username === undefined ? { ...server, username, credential } : server;
  });
}
