import { randomUUID } from 'node:crypto';
import { IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../core/logger';
import { type ErrorCode, errorCodes, problemFor } from './lib/problem';
import { SECURITY_HEADERS } from './lib/security-headers';

/**
 * Keeps HTTP/1.1 connections honest on the Node server.
 *
 * A response sent before the request body arrived in full (an early 413 from the declared length, a 401 before the
 * body is read) cannot promise keep-alive: the unread bytes would be parsed as the next request, and
 * @hono/node-server drops a connection whose leftover body does not drain within 500 ms. Such responses say
 * `connection: close`, so the client opens a new connection instead of losing its next request on this one.
 */
export function closeUnlessRequestRead({ incoming, outgoing }: { incoming?: unknown; outgoing?: unknown }): void {
  // HTTP/2 streams end on their own; only HTTP/1.1 connections carry the next request after this one.
  if (!(incoming instanceof IncomingMessage) || !(outgoing instanceof ServerResponse)) return;
  // `complete` is true once the parser has seen the whole message, body included, whether or not it was consumed.
  if (!incoming.complete && !outgoing.headersSent) outgoing.setHeader('connection', 'close');
}

const clientErrorCodes: Record<string, ErrorCode> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
};

/**
 * Answers what Node's HTTP parser refuses before any handler runs (headers too large, a request that never
 * finished arriving, bytes that are not HTTP) with problem+json instead of Node's bare plain-text status line,
 * and closes the connection, as Node does.
 */
export function answerClientErrorsWithProblems(server: Server, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A peer that went away has nobody to answer; a socket already answered (or upgraded) is not ours to write to.
    const answering = (socket as { _httpMessage?: ServerResponse })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
      socket.destroy();
      return;
    }
    const code = clientErrorCodes[error.code ?? ''] ?? 'BAD_REQUEST';
    const requestId = randomUUID();
    logger.warn('request refused by the HTTP parser', { requestId, code, error: error.code ?? error.message });
    const body = JSON.stringify({ ...problemFor(code, detailFor(code)), requestId });
    const status = errorCodes[code];
    const headers = {
      ...SECURITY_HEADERS,
      'content-type': 'application/problem+json',
      'content-length': String(Buffer.byteLength(body)),
      'x-request-id': requestId,
      connection: 'close',
    };
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.end(`HTTP/1.1 ${status} ${problemFor(code, '').title}\r\n${head.join('')}\r\n${body}`);
  });
}

function detailFor(code: ErrorCode): string {
  if (code === 'HEADERS_TOO_LARGE') return 'The request headers exceed the server’s limit';
  if (code === 'REQUEST_TIMEOUT') return 'The request did not arrive in time';
  return 'The request is not valid HTTP';
}
