import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { checkOutboundUrl, isPublicIpv4, isPublicIpv6 } from '../../core/net/outbound-url';

/** The answer to an outbound POST, or why there was none. */
export type OutboundAnswer =
  | { ok: true; status: number; headers: http.IncomingHttpHeaders; body: string }
  | { ok: false; error: string; refused: boolean };

export interface OutboundPostOptions {
  headers: Record<string, string | number>;
  body: string | Buffer;
  timeoutMs: number;
  /** Test mode only: plain HTTP and private or loopback addresses (a local push service, a local receiver). */
  allowPrivate: boolean;
  /** How host names are resolved (default `dns.lookup`); every address it answers is checked. */
  resolve?: Resolver;
}

/** `dns.lookup` with `all: true`, the shape the connection-time check needs. */
export type Resolver = (
  hostname: string,
  options: { family: number; all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** At most this much of an answer is kept (for the attempt's `detail`); the rest is read and dropped. */
const KEPT_BODY_BYTES = 2048;
/**
 * Kept-alive connections per host: push services and integrations are few hosts with many requests. Every socket a
 * burst opened stays open for the next one (a connection closed on going idle is a TCP and TLS handshake later).
 */
const keepAlive = { keepAlive: true, maxSockets: 64, maxFreeSockets: 64 } as const;
const agents = { 'http:': new http.Agent(keepAlive), 'https:': new https.Agent(keepAlive) };

/**
 * POSTs to a URL that someone else supplied (a push endpoint, an integration's webhook) without letting it reach
 * inside our network: the URL is checked as written, and the host name is resolved here, at connect time, with every
 * address it resolves to checked — the address checked is the address connected to, so a DNS answer that changes
 * between a check and the connection cannot point the request at a private address. Never throws; the whole request,
 * answer included, is bounded by `timeoutMs`.
 */
export function outboundPost(rawUrl: string, options: OutboundPostOptions): Promise<OutboundAnswer> {
  const checked = checkOutboundUrl(rawUrl, { allowPrivate: options.allowPrivate });
  if (!checked.ok) return Promise.resolve({ ok: false, error: `URL ${checked.detail}`, refused: true });
  const { url } = checked;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (answer: OutboundAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: options.headers,
        agent: agents[url.protocol as 'http:' | 'https:'],
        lookup: options.allowPrivate ? undefined : publicOnlyLookup(options.resolve ?? dnsLookup),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept >= KEPT_BODY_BYTES) return;
          chunks.push(chunk);
          kept += chunk.length;
        });
        response.on('end', () =>
          settle({
            ok: true,
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).subarray(0, KEPT_BODY_BYTES).toString('utf8'),
          }),
        );
        response.on('error', (error) => settle({ ok: false, error: error.message, refused: false }));
      },
    );
    const timer = setTimeout(() => {
      settle({ ok: false, error: `no answer within ${options.timeoutMs} ms`, refused: false });
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) =>
      settle({ ok: false, error: error.message, refused: error.code === 'ERR_PRIVATE_ADDRESS' }),
    );
    request.end(options.body);
  });
}

function isPublicAddress(address: string): boolean {
  return isIP(address) === 6 ? isPublicIpv6(address) : isPublicIpv4(address);
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for the connection that refuses any answer holding a non-public address. */
export function publicOnlyLookup(resolve: Resolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    const family = typeof options.family === 'number' ? options.family : 0;
    resolve(hostname, { family, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = addresses.find((entry) => !isPublicAddress(entry.address));
      if (refused || addresses.length === 0) {
        const failure: NodeJS.ErrnoException = new Error(
          `${hostname} resolves to a non-public address (${refused?.address ?? 'none'})`,
        );
        failure.code = 'ERR_PRIVATE_ADDRESS';
        return callback(failure, []);
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      return callback(null, first?.address ?? '', first?.family);
    });
  };
}
