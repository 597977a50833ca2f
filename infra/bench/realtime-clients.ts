// One process of bench dashboards for `npm run bench:realtime` and `bench:scale`: opens WebSocket connections with
// the `ws` package, confirms every alert (`received`), answers the node's pings and reports when each alert frame
// arrived, in batches, over IPC. Given other nodes' URLs, a dashboard whose node goes away reconnects to one of them
// the way the console does (its backoff, `resume.<last seq seen>`), and says when it is back.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { BEARER_PREFIX, PROTOCOL, RESUME_PREFIX, type ServerFrame } from '../../realtime/protocol';

export type ToClients =
  | { type: 'connect'; wsUrl: string; tokens: string[]; fallbackUrls?: string[] }
  /** Report this process's event-loop delay since the last report (an alert's arrival is stamped this late). */
  | { type: 'loopDelay' }
  | { type: 'close' };
export type FromClients =
  | { type: 'connected'; connected: number; failed: number; attemptsRetried: number; attemptsFailed: string[] }
  | { type: 'frames'; items: [residentId: string, atMs: number][] }
  /** Dashboards whose node went away: `lost` when it happened, `back` when each was welcomed on another node. */
  | {
      type: 'reconnects';
      lost: number[];
      back: number[];
      failed: number;
      reasons: string[];
      closeCodes: Record<string, number>;
    }
  | { type: 'loopDelay'; p99Ms: number; maxMs: number }
  | { type: 'closed' };

const sockets = new Set<WebSocket>();
const clientIndex = Number(process.env.BENCH_CLIENT_INDEX ?? 0);

/**
 * The loopback address this process connects to `wsUrl` from: one per client process and node port
 * (127.<process>.<port>), as browsers connect from machines of their own. From one address for everything, Linux
 * searched the ephemeral ports on every connect: with ~100,000 loopback connections open, a CPU profile of the client
 * processes during the reconnect storm had 57–61 % of their time in `connect` itself. One address per process was
 * not enough either: a bind to port 0 takes even ports first, and ~14,000 sockets on one address used them up.
 */
function localAddressFor(wsUrl: string): string {
  const port = Number(new URL(wsUrl).port);
  return `127.${2 + (clientIndex % 250)}.${1 + (Math.floor(port / 250) % 250)}.${1 + (port % 250)}`;
}
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let pending: [string, number][] = [];
let lost: number[] = [];
let back: number[] = [];
let reconnectFailures = 0;
const reconnectReasons: string[] = [];
let closeCodes: Record<string, number> = {};
let closing = false;
const report = (message: FromClients) => process.send?.(message);
const now = () => performance.timeOrigin + performance.now();

setInterval(() => {
  if (pending.length > 0) {
    report({ type: 'frames', items: pending });
    pending = [];
  }
  if (lost.length > 0 || back.length > 0 || reconnectFailures > 0) {
    const reasons = reconnectReasons.splice(0);
    report({ type: 'reconnects', lost, back, failed: reconnectFailures, reasons, closeCodes });
    closeCodes = {};
    lost = [];
    back = [];
    reconnectFailures = 0;
  }
}, 50).unref();

const failures: string[] = [];
let attemptsRetried = 0;

/** One dashboard: its token, the last delivery sequence it saw, and where it may reconnect. */
interface Dashboard {
  token: string;
  lastSeq: number;
  fallbackUrls: string[];
  reconnects: number;
  /** It lost its node once and came back on another (a second close is counted apart). */
  cameBack: boolean;
}

/** Opens one dashboard; like the console, it tries again (three attempts, short pause) before giving up. */
async function open(wsUrl: string, dashboard: Dashboard): Promise<boolean> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    if (await openOnce(wsUrl, dashboard)) return true;
    if (attempt < 3) attemptsRetried++;
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
  return false;
}

function openOnce(wsUrl: string, dashboard: Dashboard): Promise<boolean> {
  return new Promise((resolve) => {
    const protocols = [PROTOCOL, `${BEARER_PREFIX}${dashboard.token}`];
    if (dashboard.lastSeq > 0) protocols.push(`${RESUME_PREFIX}${dashboard.lastSeq}`);
    const socket = new WebSocket(wsUrl, protocols, { perMessageDeflate: false, localAddress: localAddressFor(wsUrl) });
    let welcomed = false;
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      if (frame.type === 'welcome' && !welcomed) {
        welcomed = true;
        sockets.add(socket);
        resolve(true);
      } else if (frame.type === 'alert') {
        dashboard.lastSeq = Math.max(dashboard.lastSeq, frame.seq);
        pending.push([frame.alert.residentId, now()]);
        socket.send(JSON.stringify({ type: 'received', deliveryId: frame.deliveryId }));
      } else if (frame.type === 'ping') {
        // As the console does (the protocol asks it): a dashboard that answers is never pinged by uWS itself. Ten
        // thousand that did not, all connected in the same seconds, got its protocol pings in one ~300 ms burst.
        socket.send(JSON.stringify({ type: 'pong', t: frame.t }));
      }
    });
    socket.on('error', (error) => {
      if (dashboard.reconnects > 0 && reconnectReasons.length < 5) reconnectReasons.push(error.message);
      else if (failures.length < 5) failures.push(error.message);
      if (!welcomed) resolve(false);
    });
    socket.on('close', (code) => {
      sockets.delete(socket);
      if (!welcomed) {
        if (failures.length < 5) failures.push(`closed with ${code} before welcome`);
        resolve(false);
      } else if (!closing && dashboard.fallbackUrls.length > 0) {
        profileTheStorm();
        lost.push(now());
        const key = dashboard.cameBack ? `${code} after coming back` : String(code);
        closeCodes[key] = (closeCodes[key] ?? 0) + 1;
        void reconnect(dashboard);
      }
    });
  });
}

/** The console's way back after its node went away: capped exponential backoff with jitter, any other node. */
async function reconnect(dashboard: Dashboard): Promise<void> {
  for (let attempt = 0; !closing; attempt++) {
    const delay = Math.min(10_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    await new Promise((resolve) => setTimeout(resolve, delay));
    const url = dashboard.fallbackUrls[dashboard.reconnects++ % dashboard.fallbackUrls.length];
    if (url && !closing && (await openOnce(url, dashboard))) {
      dashboard.cameBack = true;
      back.push(now());
      return;
    }
    reconnectFailures++;
  }
}

/** Seconds of the storm that BENCH_CLIENT_STORM_PROFILE_DIR profiles, from the first lost connection on. */
const STORM_PROFILE_SECONDS = 30;
let stormProfiled = false;

/**
 * With BENCH_CLIENT_STORM_PROFILE_DIR: a V8 CPU profile of this process over the first STORM_PROFILE_SECONDS after one
 * of its dashboards lost its node (the storm alone; a profile of the whole run mostly shows connecting).
 */
function profileTheStorm(): void {
  const dir = process.env.BENCH_CLIENT_STORM_PROFILE_DIR;
  if (!dir || stormProfiled) return;
  stormProfiled = true;
  const session = new Session();
  session.connect();
  void (async () => {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    await new Promise((resolve) => setTimeout(resolve, STORM_PROFILE_SECONDS * 1000));
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(dir, `storm-client-${process.pid}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  })();
}

process.on('message', async (message: ToClients) => {
  if (message.type === 'connect') {
    let connected = 0;
    let failed = 0;
    const concurrency = 100;
    const fallbackUrls = message.fallbackUrls ?? [];
    for (let start = 0; start < message.tokens.length; start += concurrency) {
      const results = await Promise.all(
        message.tokens
          .slice(start, start + concurrency)
          .map((token, index) =>
            open(message.wsUrl, { token, lastSeq: 0, fallbackUrls, reconnects: start + index, cameBack: false }),
          ),
      );
      for (const ok of results) {
        if (ok) connected++;
        else failed++;
      }
    }
    report({ type: 'connected', connected, failed, attemptsRetried, attemptsFailed: failures.splice(0) });
  } else if (message.type === 'loopDelay') {
    report({ type: 'loopDelay', p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 });
    loopDelay.reset();
  } else if (message.type === 'close') {
    closing = true;
    for (const socket of sockets) socket.terminate();
    report({ type: 'closed' });
    setTimeout(() => process.exit(0), 100);
  }
});
