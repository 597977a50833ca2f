// One process of bench dashboards for `npm run bench:realtime`: opens WebSocket connections with the `ws`
// package, confirms every alert (`received`), answers the node's pings and reports when each alert frame arrived, in batches, over IPC.
import WebSocket from 'ws';
import { BEARER_PREFIX, PROTOCOL, type ServerFrame } from '../../realtime/protocol';

export type ToClients = { type: 'connect'; wsUrl: string; tokens: string[] } | { type: 'close' };
export type FromClients =
  | { type: 'connected'; connected: number; failed: number; attemptsRetried: number; attemptsFailed: string[] }
  | { type: 'frames'; items: [residentId: string, atMs: number][] }
  | { type: 'closed' };

const sockets: WebSocket[] = [];
let pending: [string, number][] = [];
const report = (message: FromClients) => process.send?.(message);
const now = () => performance.timeOrigin + performance.now();

setInterval(() => {
  if (pending.length === 0) return;
  report({ type: 'frames', items: pending });
  pending = [];
}, 50).unref();

const failures: string[] = [];
let attemptsRetried = 0;

/** Opens one dashboard; like the console, it tries again (three attempts, short pause) before giving up. */
async function open(wsUrl: string, token: string): Promise<boolean> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    if (await openOnce(wsUrl, token)) return true;
    if (attempt < 3) attemptsRetried++;
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
  return false;
}

function openOnce(wsUrl: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl, [PROTOCOL, `${BEARER_PREFIX}${token}`], { perMessageDeflate: false });
    let welcomed = false;
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      if (frame.type === 'welcome' && !welcomed) {
        welcomed = true;
        sockets.push(socket);
        resolve(true);
      } else if (frame.type === 'alert') {
        pending.push([frame.alert.residentId, now()]);
        socket.send(JSON.stringify({ type: 'received', deliveryId: frame.deliveryId }));
      } else if (frame.type === 'ping') {
        // As the console does (the protocol asks it): a dashboard that answers is never pinged by uWS itself. Ten
        // thousand that did not, all connected in the same seconds, got its protocol pings in one ~300 ms burst.
        socket.send(JSON.stringify({ type: 'pong', t: frame.t }));
      }
    });
    socket.on('error', (error) => {
      if (failures.length < 5) failures.push(error.message);
      resolve(false);
    });
    socket.on('close', (code) => {
      if (!welcomed && failures.length < 5) failures.push(`closed with ${code} before welcome`);
      if (!welcomed) resolve(false);
    });
  });
}

process.on('message', async (message: ToClients) => {
  if (message.type === 'connect') {
    let connected = 0;
    let failed = 0;
    const concurrency = 100;
    for (let start = 0; start < message.tokens.length; start += concurrency) {
      const results = await Promise.all(
        message.tokens.slice(start, start + concurrency).map((token) => open(message.wsUrl, token)),
      );
      for (const ok of results) {
        if (ok) connected++;
        else failed++;
      }
    }
    report({ type: 'connected', connected, failed, attemptsRetried, attemptsFailed: failures.splice(0) });
  } else if (message.type === 'close') {
    for (const socket of sockets) socket.terminate();
    report({ type: 'closed' });
    setTimeout(() => process.exit(0), 100);
  }
});
