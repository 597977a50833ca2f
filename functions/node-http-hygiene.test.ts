import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestFunctions } from '../infra/testing/functions';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One raw TCP connection speaking HTTP/1.1 by hand, so keep-alive and closing are seen as they happen. */
class RawConnection {
  private readonly socket: net.Socket;
  private buffer = Buffer.alloc(0);
  private waiting?: () => void;
  readonly closed: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
    this.closed.then(() => this.waiting?.());
  }

  send(data: string): void {
    this.socket.write(data);
  }

  /** The next response on the connection (bodies are read by content-length; this API does not chunk errors). */
  async response(): Promise<RawResponse> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine = '', ...lines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
        const headers = Object.fromEntries(
          lines.map((line) => [
            line.slice(0, line.indexOf(':')).toLowerCase(),
            line.slice(line.indexOf(':') + 1).trim(),
          ]),
        );
        const length = Number(headers['content-length'] ?? 0);
        if (this.buffer.length >= end + 4 + length) {
          const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
          this.buffer = this.buffer.subarray(end + 4 + length);
          return { status: Number(statusLine.split(' ')[1]), headers, body };
        }
      }
      if (this.socket.destroyed) throw new Error(`connection closed; received: ${this.buffer.toString('latin1')}`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }

  end(): void {
    this.socket.destroy();
  }
}

const health = 'GET /healthz HTTP/1.1\r\nHost: api\r\n\r\n';

describe('Node server connection hygiene (raw HTTP/1.1 over TCP)', () => {
  let started: Awaited<ReturnType<typeof startTestFunctions>>;
  let port: number;
  beforeAll(async () => {
    started = await startTestFunctions();
    port = started.server.port;
  });
  afterAll(() => started.stop());

  const expectProblem = (response: RawResponse, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/problem+json');
    const body = JSON.parse(response.body) as { status: number; code: string; requestId: string };
    expect(body).toMatchObject({ status, code });
    expect(body.requestId).toBe(response.headers['x-request-id']);
    expect(response.body).not.toMatch(/\bat .+\.(ts|js):\d+/);
  };

  test('an early 413 (declared length over the limit, body not sent) says connection: close and closes', async () => {
    const connection = new RawConnection(port);
    connection.send(
      'POST /v1/residents HTTP/1.1\r\nHost: api\r\nConnection: keep-alive\r\n' +
        `Content-Type: application/json\r\nContent-Length: ${1024 * 1024}\r\n\r\n{"name":"`,
    );
    const response = await connection.response();
    expectProblem(response, 413, 'PAYLOAD_TOO_LARGE');
    expect(response.headers.connection).toBe('close');
    await connection.closed;
    // The client was told, so its next request goes on a new connection, and works.
    const next = new RawConnection(port);
    next.send(health);
    expect((await next.response()).status).toBe(200);
    next.end();
  });

  test('a 413 whose whole body was sent: the client is told to reconnect, and the next request works', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(100 * 1024) });
    const connection = new RawConnection(port);
    connection.send(
      'POST /v1/residents HTTP/1.1\r\nHost: api\r\n' +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    const response = await connection.response();
    expectProblem(response, 413, 'PAYLOAD_TOO_LARGE');
    if (response.headers.connection === 'close') {
      await connection.closed;
      const next = new RawConnection(port);
      next.send(health);
      expect((await next.response()).status).toBe(200);
      next.end();
    } else {
      connection.send(health);
      expect((await connection.response()).status).toBe(200);
      connection.end();
    }
  });

  test('a request whose body was read keeps the connection alive for the next one', async () => {
    const connection = new RawConnection(port);
    const body = '{"email":"nobody@example.test"}';
    connection.send(
      'POST /v1/auth/login HTTP/1.1\r\nHost: api\r\n' +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const refused = await connection.response();
    expectProblem(refused, 422, 'VALIDATION_FAILED');
    expect(refused.headers.connection).toBe('keep-alive');
    connection.send(health);
    expect((await connection.response()).status).toBe(200);
    connection.end();
  });

  test('headers over Node’s limit are a 431 problem+json, not plain text', async () => {
    const connection = new RawConnection(port);
    connection.send(`GET /healthz HTTP/1.1\r\nHost: api\r\nX-Padding: ${'a'.repeat(32 * 1024)}\r\n\r\n`);
    const response = await connection.response();
    expectProblem(response, 431, 'HEADERS_TOO_LARGE');
    expect(response.headers.connection).toBe('close');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    await connection.closed;
  });

  test('bytes that are not HTTP are a 400 problem+json', async () => {
    const connection = new RawConnection(port);
    connection.send('HELLO THERE\r\n\r\n');
    expectProblem(await connection.response(), 400, 'BAD_REQUEST');
    await connection.closed;
  });
});
