import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issueAccessToken } from '../../../core/auth/access-token';
import { seedDemoOrganisation } from '../../../infra/demo-organisation';
import { TEST_JWT_SECRET } from '../../../infra/testing/functions';
import { event, startIngestHarness } from '../../ingest/testing';

describe('analytics over HTTP (staff auth, caregiver scope, real PostgreSQL)', () => {
  let h: Awaited<ReturnType<typeof startIngestHarness>>;
  let tokens: Record<'admin' | 'carer1' | 'carer2' | 'otherAdmin', string>;
  let residentId: string;

  const get = async (path: string, token?: string) => {
    const response = await fetch(`${h.server.url}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    h = await startIngestHarness({ SILENCE_CHECK_INTERVAL_MS: '0' });
    const other = await seedDemoOrganisation(h.database.db, { orgName: 'Other Centre', slug: 'other' });
    const token = async (login: { staffId: string; role: 'admin' | 'manager' | 'caregiver' }, orgId: string) =>
      (await issueAccessToken({ staffId: login.staffId, orgId, role: login.role }, TEST_JWT_SECRET)).token;
    const by = (email: string, seeded = h.org) => {
      const login = seeded.logins.find((person) => person.email === email);
      if (!login) throw new Error(email);
      return login;
    };
    tokens = {
      admin: await token(by('admin@ingest.carewatch.test'), h.org.orgId),
      carer1: await token(by('carer1@ingest.carewatch.test'), h.org.orgId),
      carer2: await token(by('carer2@ingest.carewatch.test'), h.org.orgId),
      otherAdmin: await token(by('admin@other.carewatch.test', other), other.orgId),
    };
    const hub = h.hub(0);
    residentId = hub.residentId;
    // carer1 keeps resident 0; carer2 loses it, so the caregiver rule has something to hide.
    await h.database.sql`
      delete from assignments where resident_id = ${residentId}
         and staff_id = ${by('carer2@ingest.carewatch.test').staffId}`;
    const events = [
      ...Array.from({ length: 30 }, (_, i) =>
        event(hub.device('activity'), 'activity', { secondsAgo: 3600 * 30 + i * 60 }),
      ),
      ...Array.from({ length: 5 }, (_, i) => event(hub.device('activity'), 'activity', { secondsAgo: 600 + i * 60 })),
      ...[72, 75, 78].map((value, i) => event(hub.device('heart_rate'), 'heart_rate', { value, secondsAgo: 300 + i })),
      event(hub.device('emergency_button'), 'emergency_button', { secondsAgo: 120 }),
    ];
    expect((await h.post(hub.apiKey, { events })).body?.accepted).toBe(events.length);
  });
  afterAll(() => h.stop());

  test('timeline buckets events and alerts of a resident', async () => {
    const from = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const { status, body } = await get(`/v1/residents/${residentId}/timeline?from=${from}&bucket=1h`, tokens.admin);
    expect(status).toBe(200);
    const buckets = body.buckets as {
      start: string;
      total: number;
      events: Record<string, number>;
      values: Record<string, unknown>;
      alerts: { kind: string }[];
    }[];
    expect(buckets.reduce((sum, bucket) => sum + bucket.total, 0)).toBe(9);
    expect(buckets.reduce((sum, bucket) => sum + (bucket.events.activity ?? 0), 0)).toBe(5);
    expect(buckets.flatMap((bucket) => bucket.alerts.map((alert) => alert.kind))).toEqual(['sos']);
    expect(buckets.some((bucket) => bucket.values.heart_rate)).toBe(true);
    for (const bucket of buckets) expect(Date.parse(bucket.start) % 3_600_000).toBe(0);
  });

  test('activity reads the hourly relation and sums days in the organisation time zone', async () => {
    const { status, body } = await get(`/v1/residents/${residentId}/activity?days=3`, tokens.carer1);
    expect(status).toBe(200);
    expect(body).toMatchObject({ days: 3, timeZone: 'Asia/Seoul' });
    const daily = body.daily as { events: number; activityEvents: number }[];
    expect(daily.reduce((sum, day) => sum + day.activityEvents, 0)).toBe(36); // 35 activity + 1 button press
    expect(daily.reduce((sum, day) => sum + day.events, 0)).toBe(39);
  });

  test('at-risk ranks readable residents with reasons; the resident with an open SOS comes first', async () => {
    const { status, body } = await get('/v1/analytics/at-risk', tokens.admin);
    expect(status).toBe(200);
    const residents = body.residents as { residentId: string; score: number; reasons: string[]; openAlerts: number }[];
    expect(residents).toHaveLength(4);
    expect(residents[0]).toMatchObject({ residentId, openAlerts: 1 });
    expect(residents[0]?.reasons.join(' ')).toContain('open alert');
    const scores = residents.map((resident) => resident.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  test('a caregiver sees only assigned residents; another org and strangers get 404 or 401', async () => {
    expect((await get(`/v1/residents/${residentId}/timeline`, tokens.carer2)).status).toBe(404);
    expect((await get(`/v1/residents/${residentId}/activity`, tokens.carer2)).status).toBe(404);
    const scoped = await get('/v1/analytics/at-risk', tokens.carer2);
    expect((scoped.body.residents as { residentId: string }[]).map((r) => r.residentId)).not.toContain(residentId);
    expect((await get(`/v1/residents/${residentId}/timeline`, tokens.otherAdmin)).status).toBe(404);
    expect((await get(`/v1/residents/${residentId}/activity`, tokens.otherAdmin)).status).toBe(404);
    const foreign = await get('/v1/analytics/at-risk', tokens.otherAdmin);
    expect((foreign.body.residents as { residentId: string }[]).map((r) => r.residentId)).not.toContain(residentId);
    expect((await get(`/v1/residents/${residentId}/timeline`)).status).toBe(401);
    expect((await get('/v1/residents/not-a-uuid/timeline', tokens.admin)).status).toBe(404);
  });

  test('bad query parameters are 422 problem+json naming the field', async () => {
    const bad = await get(`/v1/residents/${residentId}/timeline?bucket=7y`, tokens.admin);
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('query.bucket');
    const tooFine = await get(
      `/v1/residents/${residentId}/timeline?bucket=1s&from=2026-01-01T00:00:00Z&to=2026-01-20T00:00:00Z`,
      tokens.admin,
    );
    expect(tooFine.status).toBe(422);
    expect((await get(`/v1/residents/${residentId}/activity?days=90`, tokens.admin)).status).toBe(422);
  });
});
