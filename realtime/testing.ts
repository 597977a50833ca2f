import type { ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { issueAccessToken, type StaffRole } from '../core/auth/access-token';
import { parseEnv } from '../core/env';
import type { Sql } from '../db/client';
import { spawnRealtimeNode } from '../infra/realtime-processes';
import { TEST_JWT_SECRET } from '../infra/testing/functions';
import { type RealtimeConfig, RealtimeEnv } from './env';
import { closeCodes } from './errors';

export { injectSosAlert, stopInjectionServers } from '../infra/testing/inject';

import { BEARER_PREFIX, PROTOCOL, RESUME_PREFIX, type ServerFrame } from './protocol';

/** Realtime configuration for a test node: random port, quick resends and sweeps. */
export function testRealtimeConfig(databaseUrl: string, overrides: Record<string, string> = {}): RealtimeConfig {
  return parseEnv(RealtimeEnv, {
    DATABASE_URL: databaseUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    REALTIME_PORT: '0',
    LOG_LEVEL: 'error',
    REALTIME_RESEND_SECONDS: '30',
    REALTIME_SWEEP_MS: '500',
    REALTIME_ESCALATION_MS: '250',
    ...overrides,
  });
}

/** One counter or gauge on a node's `/metrics` (its first series); NaN when the node has no such metric. */
export async function nodeMetric(nodeUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${nodeUrl}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}{`));
  return Number(line?.split(' ').at(-1) ?? Number.NaN);
}

/**
 * Holds the critical ladder's first step for the rest of the current test (600 s), so the set of deliveries stays
 * what the test computes; the first wait goes back to `restoreWaitSeconds` when the test finishes.
 */
export async function holdEscalation(sql: Sql, orgId: string, restoreWaitSeconds: number): Promise<void> {
  const setFirstWait = (seconds: number) => sql`
    update escalation_policies set steps = jsonb_set(steps, '{0,waitSeconds}', ${String(seconds)}::jsonb)
     where org_id = ${orgId} and severity = 'critical'`;
  await setFirstWait(600);
  onTestFinished(async () => {
    await setFirstWait(restoreWaitSeconds);
  });
}

export async function tokenFor(
  staff: { staffId: string; orgId: string; role: StaffRole },
  options: { secret?: string; ttlSeconds?: number; now?: number } = {},
): Promise<string> {
  const { token } = await issueAccessToken(
    { staffId: staff.staffId, orgId: staff.orgId, role: staff.role },
    options.secret ?? TEST_JWT_SECRET,
    options.ttlSeconds,
    options.now,
  );
  return token;
}

/**
 * A real WebSocket dashboard (the `ws` package) that records every frame, answers nothing on its own,
 * and lets a test wait for the frame it expects.
 */
export class TestDashboard {
  readonly frames: ServerFrame[] = [];
  private waiters: {
    type: ServerFrame['type'];
    match: (frame: ServerFrame) => boolean;
    resolve: (frame: ServerFrame) => void;
    reject: (error: Error) => void;
  }[] = [];
  closeCode: number | null = null;
  readonly closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.match(frame)) return true;
        waiter.resolve(frame);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
        // Nothing more can arrive: whoever still waits learns it now, with the close code, not after a timeout.
        for (const waiter of this.waiters.splice(0)) waiter.reject(this.closedError(code, waiter.type));
      }),
    );
  }

  /**
   * Connects with the token in the subprotocol (default) or, with `firstFrame`, in an `auth` frame; `resumeFrom`
   * resumes at connect (`resume.<n>` subprotocol, or `lastSeq` in the auth frame).
   */
  static async connect(
    wsUrl: string,
    token: string,
    options: { firstFrame?: boolean; resumeFrom?: number; ca?: string | Buffer } = {},
  ): Promise<TestDashboard> {
    const resume = options.resumeFrom === undefined ? [] : [`${RESUME_PREFIX}${options.resumeFrom}`];
    const protocols = options.firstFrame ? [PROTOCOL] : [PROTOCOL, `${BEARER_PREFIX}${token}`, ...resume];
    // `ca`: the certificate to trust for wss:// (nginx's development one).
    const socket = new WebSocket(wsUrl, protocols, options.ca ? { ca: options.ca } : undefined);
    const dashboard = new TestDashboard(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused with ${response.statusCode}`)),
      );
    });
    if (options.firstFrame) dashboard.send({ type: 'auth', token, lastSeq: options.resumeFrom });
    return dashboard;
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  /**
   * The first frame (already received or still to come) that matches. Rejects at once when the socket closes
   * before one arrives (the error names the close code), and after `timeoutMs` otherwise.
   */
  next<T extends ServerFrame['type']>(
    type: T,
    match: (frame: Extract<ServerFrame, { type: T }>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const test = (frame: ServerFrame): frame is Extract<ServerFrame, { type: T }> =>
      frame.type === type && match(frame as Extract<ServerFrame, { type: T }>);
    const found = this.frames.find(test);
    if (found) return Promise.resolve(found);
    if (this.closeCode !== null) return Promise.reject(this.closedError(this.closeCode, type));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry);
        reject(new Error(`no ${type} frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`));
      }, timeoutMs);
      const entry = {
        type,
        match: test,
        resolve: (frame: ServerFrame) => {
          clearTimeout(timer);
          resolve(frame as Extract<ServerFrame, { type: T }>);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.push(entry);
    });
  }

  private closedError(code: number, type: ServerFrame['type']): Error {
    return new Error(`socket closed with ${code} before a ${type} frame; got ${JSON.stringify(this.frames)}`);
  }

  of<T extends ServerFrame['type']>(type: T): Extract<ServerFrame, { type: T }>[] {
    return this.frames.filter((frame): frame is Extract<ServerFrame, { type: T }> => frame.type === type);
  }

  async close(): Promise<void> {
    if (this.closeCode === null) this.socket.close();
    await this.closed;
  }
}

/** One close of a ReconnectingDashboard's connection and the connection that followed it. */
export interface Reconnect {
  code: number;
  fromNode: string;
  toNode?: string;
  /** From the close to the next connection's `welcome`. */
  ms?: number;
}

/**
 * A dashboard that keeps itself connected as the console does (infra/console/assets/alert-socket.js): `received` for
 * every alert frame, the highest sequence remembered, and after any close a new connection offering
 * `resume.<that sequence>` — at once after 1012 (the node is draining), after `retryMs` otherwise.
 */
export class ReconnectingDashboard {
  /** Sequence of every alert frame seen, by delivery id, over all its connections. */
  readonly seqs = new Map<string, number>();
  /** The node of each connection, in order. */
  readonly nodes: string[] = [];
  readonly reconnects: Reconnect[] = [];
  /** The sequence it resumes after: `welcome.lastSeq` of its first connection, then the highest alert seen. */
  lastSeq = 0;
  private current: TestDashboard | null = null;
  private stopped = false;

  private constructor(
    private readonly wsUrl: string,
    private readonly token: string,
    private readonly options: { ca?: string | Buffer; retryMs?: number },
  ) {}

  static async connect(
    wsUrl: string,
    token: string,
    options: { ca?: string | Buffer; retryMs?: number } = {},
  ): Promise<ReconnectingDashboard> {
    const dashboard = new ReconnectingDashboard(wsUrl, token, options);
    const welcome = await dashboard.open(undefined);
    dashboard.lastSeq = welcome.lastSeq;
    return dashboard;
  }

  /** The node of the connection open now. */
  get node(): string | undefined {
    return this.nodes.at(-1);
  }

  send(frame: Record<string, unknown>): void {
    this.current?.send(frame);
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.current?.close();
  }

  private async open(resumeFrom: number | undefined): Promise<Extract<ServerFrame, { type: 'welcome' }>> {
    const dashboard = await TestDashboard.connect(this.wsUrl, this.token, { resumeFrom, ca: this.options.ca });
    this.current = dashboard;
    dashboard.socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      if (frame.type !== 'alert') return;
      this.seqs.set(frame.deliveryId, frame.seq);
      this.lastSeq = Math.max(this.lastSeq, frame.seq);
      dashboard.send({ type: 'received', deliveryId: frame.deliveryId });
    });
    const welcome = await dashboard.next('welcome');
    this.nodes.push(welcome.nodeId);
    void dashboard.closed.then((code) => this.reconnect({ code, fromNode: welcome.nodeId }, performance.now()));
    return welcome;
  }

  private async reconnect(entry: Reconnect, closedAt: number): Promise<void> {
    if (this.stopped) return;
    this.reconnects.push(entry);
    let delay = entry.code === closeCodes.draining ? 0 : (this.options.retryMs ?? 200);
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.stopped) return;
      try {
        const welcome = await this.open(this.lastSeq);
        entry.toNode = welcome.nodeId;
        entry.ms = performance.now() - closedAt;
        return;
      } catch {
        delay = this.options.retryMs ?? 200;
      }
    }
  }
}

/**
 * `realtime/main.ts` as its own OS process (node + tsx loader, one process, so a test can SIGKILL it) with `env` over
 * the test's environment; resolves with its HTTP URL once it listens.
 */
export async function spawnRealtimeProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const { child, url } = await spawnRealtimeNode(env);
  return { child, url };
}
