// Small HTTP(S) client for tests through the entry point: trusts exactly the dev certificate nginx serves, never
// follows redirects, and can attempt a raw WebSocket upgrade (Node 20 has no WebSocket client built in).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Common name of the certificate the server presented (HTTPS only). */
  peerCommonName?: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** PEM file of the certificate to trust (HTTPS). */
  caFile?: string;
}

export function request(url: string, options: RequestOptions = {}): Promise<RawResponse> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ...(options.caFile && { ca: readFileSync(options.caFile) }),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            peerCommonName: peerCommonName(res.socket as TLSSocket),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function peerCommonName(socket: TLSSocket): string | undefined {
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const subject = socket.getPeerCertificate()?.subject;
  return subject ? String(subject.CN) : undefined;
}

export type UpgradeOutcome =
  | { upgraded: true; status: 101; protocol: string | undefined }
  | { upgraded: false; status: number; body: string };

/** Attempts a WebSocket handshake and reports how the server answered, closing the socket either way. */
export function attemptWebSocketUpgrade(
  url: string,
  protocols: string[],
  options: Pick<RequestOptions, 'caFile' | 'headers'> = {},
): Promise<UpgradeOutcome> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, {
      headers: {
        ...options.headers,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Protocol': protocols.join(', '),
      },
      ...(options.caFile && { ca: readFileSync(options.caFile) }),
      agent: false,
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ upgraded: true, status: 101, protocol: res.headers['sec-websocket-protocol'] });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ upgraded: false, status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A port that was free a moment ago (for servers that cannot listen on port 0, like a rendered nginx config). */
export { freeLoopbackPort as freePort } from '../../db/embedded';
