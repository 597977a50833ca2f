import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDatabase, postgresMigrationTarget } from '../../db/client';
import { type RunningPostgres, startEmbeddedPostgres } from '../../db/embedded';
import { migrate } from '../../db/migrate';
import { type SeededOrganisation, seedDemoOrganisation } from '../../infra/demo-organisation';
import { testConfig } from '../../infra/testing/functions';
import { type RunningFunctions, startFunctions } from '../node';

// A request the API answers while the database is down must not take anywhere near this long. Far above the
// ~2 s target so a slow machine cannot fail it; before the fix requests waited up to 20 s of reconnect backoff
// plus a 10 s connect timeout, then answered 500.
const ANSWERED_NOT_HUNG_MS = 10_000;

interface Answer {
  status: number;
  retryAfter: string | null;
  contentType: string | null;
  ms: number;
  body: { results?: { eventId: string | null; status: string }[]; alerts?: { kind: string }[]; code?: string };
}

async function postBatch(url: string, apiKey: string, body: unknown): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/ingest/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    contentType: response.headers.get('content-type'),
    ms: performance.now() - started,
    body: text ? JSON.parse(text) : {},
  };
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Regression: with PostgreSQL down, ingest requests hung for more than 10 s (postgres.js's reconnect backoff grows
 * to 20 s, then a 10 s connect timeout) and then answered 500. A real PostgreSQL of its own is stopped and started
 * again under a stream of hub batches; the invariants are read from the database afterwards.
 */
describe('PostgreSQL restarted during ingest (own embedded PostgreSQL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'carewatch-outage-pg-'));
  let postgres: RunningPostgres;
  let port: number;
  let server: RunningFunctions;
  let org: SeededOrganisation;
  let database: ReturnType<typeof createDatabase>;

  const startPostgres = async (on: number | 'any') => {
    postgres = await startEmbeddedPostgres({ dataDir, port: on, database: 'carewatch', persistent: true });
    port = Number(new URL(postgres.url).port);
  };

  beforeAll(async () => {
    await startPostgres('any');
    database = createDatabase(postgres.url, { max: 2 });
    await migrate(postgresMigrationTarget(database.sql));
    org = await seedDemoOrganisation(database.db, { orgName: 'Outage Centre', slug: 'outage', residents: 3 });
    server = await startFunctions(
      testConfig(postgres.url, { INGEST_HUB_RATE_PER_SECOND: '1000', INGEST_HUB_BURST: '1000', LOG_LEVEL: 'error' }),
    );
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await database?.close();
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('accepted events are stored exactly once, the outage is 503 + Retry-After, ingest resumes after it', async () => {
    const outageAnswers: Answer[] = [];
    const batches: { hubIndex: number; events: { eventId: string; kind: string }[]; final?: Answer }[] = [];
    let phase: 'before' | 'down' | 'restarted' = 'before';
    const successes = new Map<number, { before: number; restarted: number }>();

    // A hub as the simulator behaves: the same batch re-sent until the server answers 200.
    const sendUntilStored = async (hubIndex: number, events: ReturnType<typeof batchOf>) => {
      const hub = org.hubs[hubIndex];
      if (!hub) throw new Error(`no hub ${hubIndex}`);
      const record: (typeof batches)[number] = { hubIndex, events };
      batches.push(record);
      const sentIn = phase;
      for (;;) {
        const answer = await postBatch(server.url, hub.apiKey, { events });
        if (answer.status === 200) {
          record.final = answer;
          const count = successes.get(hubIndex) ?? { before: 0, restarted: 0 };
          if (sentIn === 'restarted') count.restarted++;
          else if (sentIn === 'before') count.before++;
          successes.set(hubIndex, count);
          return answer;
        }
        outageAnswers.push(answer);
        // Any other answer is a defect the assertions below report; a hub would still re-send it.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const batchOf = (hubIndex: number, sequence: number) => {
      const hub = org.hubs[hubIndex];
      const time = new Date().toISOString();
      const events = Array.from({ length: 4 }, () => ({
        eventId: randomUUID(),
        deviceId: hub?.devices.activity ?? null,
        kind: 'activity',
        time,
      }));
      if (sequence % 3 === 0) {
        events.push({
          eventId: randomUUID(),
          deviceId: hub?.devices.emergency_button ?? null,
          kind: 'emergency_button',
          time,
        });
      }
      return events;
    };
    const hubLoop = async (hubIndex: number) => {
      for (let sequence = 0; (successes.get(hubIndex)?.restarted ?? 0) < 2; sequence++) {
        await sendUntilStored(hubIndex, batchOf(hubIndex, sequence));
      }
    };

    const loops = [0, 1, 2].map(hubLoop);
    await waitFor(() => [0, 1, 2].every((i) => (successes.get(i)?.before ?? 0) >= 2), 'batches before the outage');

    // A staff token while the database is up, to show the rest of the API fails fast too.
    const admin = org.logins.find((login) => login.role === 'admin');
    const login = await fetch(`${server.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin?.email, password: admin?.password }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };

    await postgres.stop();
    phase = 'down';
    await waitFor(() => outageAnswers.length >= 6, 'answers during the outage');

    // An SOS sent while the database is down: refused with 503, so the hub keeps it and re-sends it.
    const sosHub = org.hubs[0];
    if (!sosHub) throw new Error('no hub 0');
    const sos = [
      {
        eventId: randomUUID(),
        deviceId: sosHub.devices.emergency_button ?? null,
        kind: 'emergency_button',
        time: new Date().toISOString(),
      },
    ];
    const refused = await postBatch(server.url, sosHub.apiKey, { events: sos });
    outageAnswers.push(refused);
    const staffStarted = performance.now();
    const staffRead = await fetch(`${server.url}/v1/residents`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const staffMs = performance.now() - staffStarted;
    expect(staffRead.status).toBe(503);
    expect(staffRead.headers.get('retry-after')).toBe('2');
    expect(staffRead.headers.get('content-type')).toBe('application/problem+json');
    expect(staffMs).toBeLessThan(ANSWERED_NOT_HUNG_MS);

    await startPostgres(port);
    phase = 'restarted';
    const resent = await sendUntilStored(0, sos);
    await Promise.all(loops);

    for (const answer of outageAnswers) {
      expect(answer, JSON.stringify(answer)).toMatchObject({
        status: 503,
        retryAfter: '2',
        contentType: 'application/problem+json',
        body: { code: 'UNAVAILABLE' },
      });
      expect(answer.ms).toBeLessThan(ANSWERED_NOT_HUNG_MS);
    }
    expect(resent.body.results?.[0]?.status).toMatch(/accepted|duplicate/);

    // From the database: every event answered accepted is stored exactly once, and — every batch having been
    // re-sent until answered 200 — so is every event any hub sent; no accepted event was lost in the restart.
    const sent = batches.flatMap((batch) => batch.events.map((event) => event.eventId));
    const accepted = batches.flatMap((batch) =>
      (batch.final?.body.results ?? []).filter((result) => result.status === 'accepted').map((r) => r.eventId),
    );
    expect(accepted.length).toBeGreaterThan(0);
    const rows = await database.sql<{ event_id: string; n: number }[]>`
      select event_id, count(*)::int as n from sensor_events where event_id = any(${sent}) group by event_id`;
    const counts = new Map(rows.map((row) => [row.event_id, row.n]));
    for (const eventId of accepted) expect(counts.get(eventId ?? ''), `accepted ${eventId}`).toBe(1);
    for (const eventId of sent) expect(counts.get(eventId), `sent ${eventId}`).toBe(1);

    // Every hub that pressed its button has an open SOS alert counting every press.
    for (const [hubIndex, hub] of org.hubs.entries()) {
      const presses = batches
        .filter((batch) => batch.hubIndex === hubIndex)
        .flatMap((batch) => batch.events)
        .filter((event) => event.kind === 'emergency_button').length;
      if (presses === 0) continue;
      const [alert] = await database.sql<{ event_count: number }[]>`
        select event_count from alerts where resident_id = ${hub.residentId} and kind = 'sos' and status <> 'resolved'`;
      expect(alert?.event_count, `SOS presses of hub ${hubIndex}`).toBe(presses);
    }
  }, 180_000);
});

/**
 * A database host that accepts connections and never answers (a partition, a frozen server): the connect timeout
 * ends the wait. Before the fix that took 10 s and answered 500.
 */
describe('a database that accepts connections but never answers', () => {
  let blackHole: Server;
  const held: Socket[] = [];
  let server: RunningFunctions;

  beforeAll(async () => {
    blackHole = createServer((socket) => {
      held.push(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const address = blackHole.address();
    const blackHolePort = typeof address === 'object' && address ? address.port : 0;
    server = await startFunctions(
      testConfig(`postgres://carewatch:unused@127.0.0.1:${blackHolePort}/carewatch`, { LOG_LEVEL: 'error' }),
    );
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => blackHole?.close(resolve));
  });

  test('ingest and staff routes answer 503 problem+json with Retry-After instead of hanging', async () => {
    const answer = await postBatch(server.url, 'cwh_any_key', { events: [] });
    expect(answer).toMatchObject({ status: 503, retryAfter: '2', contentType: 'application/problem+json' });
    expect(answer.body.code).toBe('UNAVAILABLE');
    expect(answer.ms).toBeLessThan(ANSWERED_NOT_HUNG_MS);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(503);
  });
});
