import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { closeCodes } from '../../realtime/errors';
import { PROTOCOL, RESUME_PREFIX } from '../../realtime/protocol';

// The console's AlertSocket (infra/console/assets/alert-socket.js) in Node, against a scripted WebSocket server:
// how soon it comes back after each kind of close, and from which sequence it resumes.

interface AlertSocketLike {
  start(): void;
  stop(): void;
}
type AlertSocketClass = new (options: {
  url: string;
  staffId: string;
  accessToken: () => Promise<string>;
  refreshNow: () => Promise<void>;
  resumePoint: () => number;
}) => AlertSocketLike & { lastSeq: number | null };

/**
 * `ws` made to behave as a browser's WebSocket: closing one still connecting fires an error event, which a browser
 * drops when nobody listens; `ws` would throw it (an uncaught exception when a test stops a socket mid-reconnect).
 */
class BrowserLikeWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    this.on('error', () => {});
  }
}

let server: WebSocketServer;
let socket: AlertSocketLike | undefined;
/** Each connection: when it arrived and the subprotocols it offered. */
let arrivals: { at: number; protocols: string[] }[];
/** What the server does with each connection, in order. */
let script: ((ws: WebSocket) => void)[];

beforeEach(async () => {
  const storage = new Map<string, string>();
  vi.stubGlobal('window', new EventTarget());
  vi.stubGlobal('sessionStorage', {
    getItem: (key: string) => storage.get(key) ?? null,
    setItem: (key: string, value: string) => storage.set(key, value),
  });
  vi.stubGlobal('WebSocket', BrowserLikeWebSocket);
  // The longest jitter both ways, so the two policies cannot overlap: 1012 waits ~247 ms, a backoff ~497 ms.
  vi.spyOn(Math, 'random').mockReturnValue(0.99);
  arrivals = [];
  script = [];
  server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => PROTOCOL });
  server.on('connection', (ws, request) => {
    arrivals.push({
      at: performance.now(),
      protocols: String(request.headers['sec-websocket-protocol'])
        .split(',')
        .map((entry) => entry.trim()),
    });
    script.shift()?.(ws);
  });
  await new Promise((resolve) => server.once('listening', resolve));
});

afterEach(async () => {
  socket?.stop();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  for (const client of server.clients) client.terminate();
  await new Promise((resolve) => server.close(resolve));
});

async function startSocket(accessToken = async () => 'token'): Promise<void> {
  const { AlertSocket } = (await import(pathToFileURL('infra/console/assets/alert-socket.js').href)) as {
    AlertSocket: AlertSocketClass;
  };
  const created: InstanceType<AlertSocketClass> = new AlertSocket({
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`,
    staffId: 'staff-1',
    accessToken,
    refreshNow: async () => {},
    resumePoint: (): number => created.lastSeq ?? 0,
  });
  socket = created;
  created.start();
}

/** Welcome, one alert with `seq`, then a close with `code` once the client has confirmed it. */
const welcomeAlertThenClose = (seq: number, code: number) => (ws: WebSocket) => {
  ws.send(JSON.stringify({ type: 'welcome', staffId: 's', orgId: 'o', nodeId: 'n', lastSeq: 0 }));
  ws.send(JSON.stringify({ type: 'alert', deliveryId: `d-${seq}`, seq, alert: {} }));
  ws.once('message', () => ws.close(code, 'test'));
};

describe('the console reconnects', () => {
  test('at once after 1012 (node draining), resuming after the last sequence it saw', async () => {
    script.push(welcomeAlertThenClose(7, closeCodes.draining));
    await startSocket();
    await expect.poll(() => arrivals.length).toBe(2);
    const [first, second] = arrivals;
    expect(second?.protocols).toContain(`${RESUME_PREFIX}7`);
    // The close handshake plus the jitter (under DRAIN_RECONNECT_MS, 250 ms), no backoff.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeLessThan(400);
  });

  test('after a backoff for any other close, resuming the same way', async () => {
    script.push(welcomeAlertThenClose(3, 4000));
    await startSocket();
    await expect.poll(() => arrivals.length).toBe(2);
    const [first, second] = arrivals;
    expect(second?.protocols).toContain(`${RESUME_PREFIX}3`);
    // First backoff: 500 ms × (0.5 + 0.99 / 2).
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(450);
  });

  test('the browser coming online while a connect awaits its token opens no second socket', async () => {
    script.push((ws) =>
      ws.send(JSON.stringify({ type: 'welcome', staffId: 's', orgId: 'o', nodeId: 'n', lastSeq: 0 })),
    );
    const waiting: ((token: string) => void)[] = [];
    await startSocket(() => new Promise<string>((resolve) => waiting.push(resolve)));
    window.dispatchEvent(new Event('online'));
    expect(waiting).toHaveLength(2);
    for (const resolve of waiting) resolve('token');
    await expect.poll(() => arrivals.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(arrivals).toHaveLength(1);
  });
});
