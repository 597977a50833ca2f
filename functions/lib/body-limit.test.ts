import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { limitBody } from './body-limit';

const MAX = 16;

function app() {
  return new Hono().post('/', limitBody({ maxSize: MAX, onError: (c) => c.text('too large', 413) }), async (c) =>
    c.text(`read ${(await c.req.arrayBuffer()).byteLength}`),
  );
}

/** A body sent without Content-Length (chunked), so only a counting read can tell its size. */
function chunked(bytes: number) {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let sent = 0; sent < bytes; sent += 5) controller.enqueue(new Uint8Array(Math.min(5, bytes - sent)));
      controller.close();
    },
  });
  return new Request('http://api/', { method: 'POST', body, duplex: 'half' } as RequestInit);
}

describe('limitBody', () => {
  test.each([
    ['a declared length at the limit passes, and the handler still reads the body', MAX, 200, `read ${MAX}`],
    ['a declared length over the limit is refused', MAX + 1, 413, 'too large'],
  ])('%s', async (_, size, status, text) => {
    const response = await app().request('/', {
      method: 'POST',
      body: 'x'.repeat(size),
      headers: { 'content-length': String(size) },
    });
    expect(response.status).toBe(status);
    expect(await response.text()).toBe(text);
  });

  test.each([
    ['a chunked body at the limit passes, and the handler still reads it', MAX, 200, `read ${MAX}`],
    ['a chunked body over the limit is refused while counting', MAX + 1, 413, 'too large'],
  ])('%s', async (_, size, status, text) => {
    const response = await app().request(chunked(size));
    expect(response.status).toBe(status);
    expect(await response.text()).toBe(text);
  });

  test('a bad limit is refused when the middleware is built', () => {
    expect(() => limitBody({ maxSize: Number.NaN })).toThrow(/maxSize/);
  });
});
