import type uWS from 'uWebSockets.js';
import { describe, expect, test } from 'vitest';
import { Metrics } from './metrics';
import { SendQueue } from './send-queue';

/** A socket whose buffer the test fills and empties; `drops` makes uWS refuse the next sends. */
function fakeSocket() {
  const socket = { buffered: 0, drops: 0, sent: [] as string[] };
  const ws = {
    getBufferedAmount: () => socket.buffered,
    send: (frame: string) => {
      if (socket.drops > 0) {
        socket.drops--;
        return 2;
      }
      socket.sent.push(frame);
      return 1;
    },
  };
  return { socket, ws: ws as unknown as uWS.WebSocket<unknown> };
}

function setup(maxQueuedFrames = 3) {
  const { socket, ws } = fakeSocket();
  const metrics = new Metrics();
  let overflows = 0;
  const queue = new SendQueue(ws, { highWaterBytes: 100, maxQueuedFrames, resendMs: 10_000, metrics }, () => {
    overflows++;
  });
  return { socket, queue, metrics, overflows: () => overflows };
}

const delivery = (id: string) => ({ deliveryId: id, seq: Number(id.slice(1)), frame: `alert ${id}` });

describe('one ordered send queue per connection', () => {
  test('below the high-water mark every frame goes straight out, in order', () => {
    const { socket, queue, metrics } = setup();
    queue.deliver(delivery('d1'), false);
    queue.update('update 1');
    queue.reply('pong', false);
    expect(socket.sent).toEqual(['alert d1', 'update 1', 'pong']);
    expect(metrics.framesSent).toBe(2);
  });

  test('under backpressure frames wait and leave in the order handed over once uWS drains', () => {
    const { socket, queue } = setup();
    socket.buffered = 500;
    queue.deliver(delivery('d1'), false);
    queue.update('update of d1');
    queue.reply('pong', false);
    queue.deliver(delivery('d2'), true);
    expect(socket.sent).toEqual([]);
    expect(queue.writable).toBe(false);
    socket.buffered = 0;
    queue.drain();
    expect(socket.sent).toEqual(['alert d1', 'update of d1', 'pong', 'alert d2']);
    expect(queue.writable).toBe(true);
  });

  test('live frames beyond the limit drop the client; a backlog waits without limit', () => {
    const { socket, queue, overflows } = setup(3);
    socket.buffered = 500;
    for (let index = 0; index < 50; index++) expect(queue.deliver(delivery(`b${index}`), true)).toBe(true);
    for (let index = 0; index < 3; index++) expect(queue.deliver(delivery(`l${index}`), false)).toBe(true);
    expect(overflows()).toBe(0);
    expect(queue.deliver(delivery('l3'), false)).toBe(false);
    expect(overflows()).toBe(1);
    expect(queue.deliver(delivery('l4'), false)).toBe(false);
    socket.buffered = 0;
    queue.drain();
    expect(socket.sent).toEqual([]);
  });

  test('during a resume, deliveries and updates wait for the replay; those it carried are not sent twice', () => {
    const { socket, queue } = setup();
    queue.hold();
    expect(queue.holding).toBe(true);
    queue.deliver(delivery('d2'), false);
    queue.update('update of d2');
    queue.deliver(delivery('d3'), false);
    queue.reply('replayed d1', true);
    queue.reply('alert d2', true, 'd2');
    queue.reply('resumed', false);
    expect(socket.sent).toEqual(['replayed d1', 'alert d2', 'resumed']);
    queue.release(new Set(['d2']));
    expect(queue.holding).toBe(false);
    expect(socket.sent).toEqual(['replayed d1', 'alert d2', 'resumed', 'update of d2', 'alert d3']);
  });

  test('live frames held during a resume are bounded too', () => {
    const { queue, overflows } = setup(2);
    queue.hold();
    queue.deliver(delivery('d1'), false);
    queue.deliver(delivery('d2'), false);
    for (let index = 0; index < 10; index++) queue.update(`update ${index}`);
    expect(overflows()).toBe(0);
    expect(queue.deliver(delivery('d3'), false)).toBe(false);
    expect(overflows()).toBe(1);
  });

  test('a delivery sent here and still unreceived is not repeated early; after its receipt it is', () => {
    const { socket, queue } = setup();
    expect(queue.deliver(delivery('d1'), false)).toBe(true);
    expect(queue.deliver(delivery('d1'), false)).toBe(false);
    socket.buffered = 500;
    queue.deliver(delivery('d1'), false);
    socket.buffered = 0;
    queue.drain();
    expect(socket.sent).toEqual(['alert d1']);
    queue.received('d1');
    queue.deliver(delivery('d1'), false);
    expect(socket.sent).toEqual(['alert d1', 'alert d1']);
  });

  test('a frame uWS drops is handed over again at the next drain, ahead of everything after it', () => {
    const { socket, queue, metrics } = setup();
    socket.drops = 1;
    queue.deliver(delivery('d1'), false);
    queue.deliver(delivery('d2'), false);
    expect(socket.sent).toEqual([]);
    queue.drain();
    expect(socket.sent).toEqual(['alert d1', 'alert d2']);
    expect(metrics.framesSent).toBe(2);
  });

  test('whenWritable resolves once the queue is empty and uWS below the mark, or at close', async () => {
    const { socket, queue } = setup();
    socket.buffered = 500;
    queue.update('u1');
    let resolved = false;
    const writable = queue.whenWritable().then(() => {
      resolved = true;
    });
    await Promise.resolve();
    expect(resolved).toBe(false);
    socket.buffered = 0;
    queue.drain();
    await writable;
    expect(socket.sent).toEqual(['u1']);
    socket.buffered = 500;
    const closing = queue.whenWritable();
    queue.close();
    await closing;
    expect(queue.deliver(delivery('d9'), false)).toBe(false);
  });
});
