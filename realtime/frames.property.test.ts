import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { closeCodes } from './errors';
import { type RealtimeNode, startRealtimeNode } from './node';
import {
  holdEscalation,
  injectSosAlert,
  stopInjectionServers,
  TestDashboard,
  testRealtimeConfig,
  tokenFor,
} from './testing';

/** `FUZZ=1 npx vitest run realtime/frames.property.test.ts` runs many more sequences than `npm test` does. */
const RUNS = process.env.FUZZ ? 500 : 60;

/** One WebSocket message as the fuzzing dashboard sends it. */
type Outgoing = { text: string } | { binary: Uint8Array } | { rawText: Uint8Array };

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
/** Any code point, lone surrogates and NUL included. */
const oddText = fc.string({
  unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate, fc.constant('\u0000')),
  maxLength: 64,
});
/** Long strings, now and then past the node's 128 KiB message limit (uWS drops such a connection: 1006). */
const huge = fc
  .oneof({ weight: 4, arbitrary: fc.integer({ min: 4_000, max: 120_000 }) }, fc.integer({ min: 131_073, max: 140_000 }))
  .map((length) => 'x'.repeat(length));
const oddValue = fc.oneof(
  oddText,
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 2 ** 53, Number.MAX_VALUE, 1e308, -0, true, false, null, '', '0', '[]', '{}'),
  fc.jsonValue({ maxDepth: 3 }),
);
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: oddValue });
const seq = field(fc.nat({ max: 2 ** 31 }));
const id = field(fc.uuid());
const sessionId = field(fc.string({ minLength: 1, maxLength: 100 }));
const frame = (type: string, fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record({ type: field(fc.constant(type)), ...fields }, { requiredKeys: ['type'] });

/** Valid-ish frames of every client type in protocol.ts: right shape, each field right or anything else. */
const clientFrame = fc.oneof(
  frame('auth', { token: field(fc.oneof(fc.string(), huge)), lastSeq: seq }),
  frame('received', { deliveryId: id }),
  frame('ack', { deliveryId: id }),
  frame('resolve', { alertId: id, note: field(fc.oneof(oddText, huge)) }),
  frame('resume', { lastSeq: seq }),
  frame('ping', { t: field(fc.double()) }),
  frame('pong', { t: field(fc.double()) }),
  frame('camera.watch', { cameraId: id }),
  frame('camera.answer', { sessionId, sdp: field(fc.oneof(oddText, huge)) }),
  frame('camera.candidate', { sessionId, candidate: field(oddText), mid: field(oddText) }),
  frame('camera.stop', { sessionId }),
  fc.record({ type: oddValue }),
);

const outgoing: fc.Arbitrary<Outgoing> = fc.oneof(
  { weight: 12, arbitrary: clientFrame.map((value) => ({ text: JSON.stringify(value) })) },
  { weight: 2, arbitrary: fc.jsonValue().map((value) => ({ text: JSON.stringify(value) ?? 'null' })) },
  { weight: 4, arbitrary: oddText.map((text) => ({ text })) },
  { weight: 1, arbitrary: huge.map((text) => ({ text: `{"type":"ping","t":"${text}"}` })) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 256 }).map((binary) => ({ binary })) },
  // Bytes that are not UTF-8 (a lone surrogate as WTF-8, a stray continuation byte) in a *text* frame.
  {
    weight: 1,
    arbitrary: fc
      .constantFrom([0xed, 0xa0, 0x80], [0x80], [0xc3], [0xff, 0xfe])
      .map((bytes) => ({ rawText: Uint8Array.from([0x7b, ...bytes, 0x7d]) })),
  },
);

/** How a fuzzed connection may end: the node closing it for abuse, for a bad or oversized message, or dropping it. */
const ACCEPTABLE_CLOSES = [closeCodes.abuse, 1006, 1007, 1009, 1002];

describe('WebSocket frames from an authenticated dashboard (property)', () => {
  let database: TestDatabase;
  let node: RealtimeNode;
  let org: SeededOrganisation;
  beforeAll(async () => {
    database = await createTestDatabase();
    org = await seedDemoOrganisation(database.db, { orgName: 'Fuzz Centre', slug: 'fuzz', residents: 2 });
    node = await startRealtimeNode(testRealtimeConfig(database.url, { LOG_LEVEL: 'error' }));
  });
  afterAll(async () => {
    await stopInjectionServers();
    await node?.stop();
    await database?.drop();
  });

  test('any sequence of frames: the node stays up, and another dashboard still gets the next alert', async () => {
    const residentId = org.residents[0]?.id;
    if (!residentId) throw new Error('seed has no resident');
    await holdEscalation(database.sql, org.orgId, 60);
    const [assignment] = await database.sql<{ staffId: string }[]>`
      select staff_id as "staffId" from assignments where resident_id = ${residentId} order by escalation_order limit 1`;
    const observerLogin = org.logins.find((entry) => entry.staffId === assignment?.staffId);
    const fuzzerLogin = org.logins.find((entry) => entry.staffId !== assignment?.staffId);
    if (!observerLogin || !fuzzerLogin) throw new Error('seed lacks a first responder and another staff member');
    const observer = await TestDashboard.connect(node.wsUrl, await tokenFor({ ...observerLogin, orgId: org.orgId }));
    await observer.next('welcome');
    const fuzzerToken = await tokenFor({ ...fuzzerLogin, orgId: org.orgId });
    let dashboard: TestDashboard | undefined;
    let pings = 0;
    const closes = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(fc.array(outgoing, { minLength: 1, maxLength: 15 }), async (messages) => {
        if (!dashboard || dashboard.closeCode !== null) {
          dashboard = await TestDashboard.connect(node.wsUrl, fuzzerToken);
          await dashboard.next('welcome');
        }
        const socket = dashboard.socket;
        for (const message of messages) {
          if ('text' in message) socket.send(message.text);
          else if ('binary' in message) socket.send(message.binary, { binary: true });
          else socket.send(message.rawText, { binary: false });
        }
        // The connection answers a ping after all that, or was closed for a reason the protocol names.
        const t = ++pings;
        socket.send(JSON.stringify({ type: 'ping', t }));
        const answered = await dashboard
          .next('pong', (pong) => pong.t === t)
          .then(
            () => true,
            () => false,
          );
        if (!answered) {
          const code = await dashboard.closed;
          closes.set(code, (closes.get(code) ?? 0) + 1);
          expect(ACCEPTABLE_CLOSES).toContain(code);
        }
        expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
      }),
      { numRuns: RUNS },
    );
    await dashboard?.close();
    if (process.env.FUZZ) console.log('fuzzed connections closed by code', Object.fromEntries(closes));

    expect(observer.closeCode).toBeNull();
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId });
    const alert = await observer.next('alert', (frame) => frame.alert.id === raised.alertId);
    observer.send({ type: 'received', deliveryId: alert.deliveryId });
    await observer.close();
  });
});
