import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import webPush from 'web-push';
import { createTestDatabase, type TestDatabase } from '../../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../../infra/demo-organisation';
import { TEST_JWT_SECRET } from '../../infra/testing/functions';
import { type PushService, startPushService } from '../../infra/testing/push-service';
import { injectSosAlert, spawnRealtimeProcess, stopInjectionServers } from '../testing';
import type { PushMessage } from './push-message';

const vapid = webPush.generateVAPIDKeys();
let database: TestDatabase;
let org: SeededOrganisation;
let push: PushService;
const children: ChildProcess[] = [];

/** A realtime node in its own OS process, sending push; resolves once it listens. */
async function spawnNode(name: string): Promise<ChildProcess> {
  const { child } = await spawnRealtimeProcess({
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_JWT_SECRET,
    NODE_ID: name,
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    OUTBOUND_ALLOW_PRIVATE: 'true',
    NODE_ENV: 'test',
    CHANNEL_TIMEOUT_MS: '1000',
    CHANNEL_LEASE_SECONDS: '4',
    CHANNEL_POLL_MS: '200',
    REALTIME_ESCALATION_MS: '60000',
  });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Kill Channels Centre', slug: 'killch', residents: 24 });
  push = await startPushService({ applicationServerKey: vapid.publicKey });
  // One device for every caregiver, so every SOS makes one push attempt.
  for (const login of org.logins.filter((entry) => entry.role === 'caregiver')) {
    const device = push.subscribe();
    await database.sql`
      insert into push_subscriptions (org_id, staff_id, endpoint, p256dh, auth)
      values (${org.orgId}, ${login.staffId}, ${device.subscription.endpoint}, ${device.subscription.keys.p256dh},
              ${device.subscription.keys.auth})`;
  }
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  }
});

afterAll(async () => {
  await stopInjectionServers();
  await push?.close();
  await database?.drop();
});

const residents = () => org.residents.map((resident) => resident.id);
const pushesOf = (alertId: string) =>
  push.messages.filter((m) => (JSON.parse(m.text ?? '{}') as PushMessage).alertId === alertId);

describe('push attempts survive the node that owns them', () => {
  test('SIGKILL between a queued attempt and its due time, restart: sent exactly once', async () => {
    await database.sql`
      insert into notification_rules (org_id, severity, channels)
      values (${org.orgId}, 'critical', ${JSON.stringify([{ channel: 'push', delaySeconds: 3 }])}::jsonb)`;
    try {
      const doomed = await spawnNode('doomed');
      const [residentId] = residents();
      const alert = await injectSosAlert({ databaseUrl: database.url, org, residentId: residentId ?? '' });
      doomed.kill('SIGKILL');
      await exited(doomed);
      expect(pushesOf(alert.alertId)).toEqual([]);
      await spawnNode('successor');
      await push.waitFor((m) => (JSON.parse(m.text ?? '{}') as PushMessage).alertId === alert.alertId, 10_000);
      // Long enough for a second send by the lease running out (4 s) or a second claim.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      expect(pushesOf(alert.alertId)).toHaveLength(1);
      const [attempt] = await database.sql`
        select state, tries, claimed_by from delivery_channel_attempts where alert_id = ${alert.alertId}`;
      expect(attempt).toEqual({ state: 'sent', tries: 1, claimed_by: 'successor' });
    } finally {
      await database.sql`delete from notification_rules where org_id = ${org.orgId}`;
    }
  });

  test('two nodes sending at once: every push goes out exactly once', async () => {
    await Promise.all([spawnNode('left'), spawnNode('right')]);
    const alertIds: string[] = [];
    for (const residentId of residents().slice(1, 21)) {
      alertIds.push((await injectSosAlert({ databaseUrl: database.url, org, residentId })).alertId);
    }
    await expect.poll(() => alertIds.every((id) => pushesOf(id).length > 0), { timeout: 15_000 }).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(alertIds.map((id) => pushesOf(id).length)).toEqual(alertIds.map(() => 1));
    const senders = await database.sql<{ claimed_by: string }[]>`
      select distinct claimed_by from delivery_channel_attempts where alert_id = any(${alertIds}::uuid[])`;
    expect(senders.length).toBeGreaterThanOrEqual(1);
  });
});
