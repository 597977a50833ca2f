import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RealtimeNode, startRealtimeNode } from '../../realtime/node';
import { TestDashboard, testRealtimeConfig, tokenFor } from '../../realtime/testing';
import { type ApiHarness, startApiHarness } from './api-harness';
import { injectSosAlert, stopInjectionServers } from './inject';

interface AlertBody {
  id: string;
  status: string;
  acknowledgedBy: string | null;
  resolvedBy: string | null;
  resolutionOutcome: string | null;
  resolutionNote: string | null;
}
interface ProblemBody {
  code: string;
  current?: Record<string, unknown>;
  errors?: { field: string }[];
}
interface HistoryBody {
  alert: AlertBody;
  handling: { outcome: string; note: string; resolvedBy: string; resolvedByName: string } | null;
  deliveries: { staffId: string; state: string; attempts: unknown[] }[];
  timeline: { at: string; event: string; staffId: string | null; detail: string | null }[];
}

describe('alert handling over HTTP: acknowledge, resolve with a handling record, notes, history', () => {
  let h: ApiHarness;
  let node: RealtimeNode;
  let residentIndex = 0;

  beforeAll(async () => {
    h = await startApiHarness();
    node = await startRealtimeNode(testRealtimeConfig(h.database.url));
  });
  afterAll(async () => {
    await node?.stop();
    await stopInjectionServers();
    await h?.stop();
  });

  /** A fresh SOS alert through the hub ingest, and who was told of it (the resident's first caregiver). */
  async function raiseSos() {
    const org = h.orgs.own;
    const resident = org.residents[residentIndex++ % org.residents.length];
    if (!resident) throw new Error('no resident');
    const { alertId } = await injectSosAlert({ databaseUrl: h.database.url, org, residentId: resident.id });
    const told = await h.database.sql<{ staffId: string }[]>`
      select staff_id as "staffId" from alert_deliveries where alert_id = ${alertId}`;
    const login = org.logins.find((entry) => entry.staffId === told[0]?.staffId);
    if (!login) throw new Error('nobody was told');
    const notTold = org.logins.find((entry) => entry.role === 'caregiver' && entry.staffId !== login.staffId);
    if (!notTold) throw new Error('the demo has two caregivers');
    return {
      alertId,
      told: { ...login, token: await loginToken(login.email, login.password) },
      notTold: { ...notTold, token: await loginToken(notTold.email, notTold.password) },
    };
  }

  async function loginToken(email: string, password: string): Promise<string> {
    const answer = await h.request<{ accessToken: string }>('POST', '/v1/auth/login', { body: { email, password } });
    return answer.body.accessToken;
  }

  /** Managers resolve any alert of their organisation (told or not); it frees the resident for the next test. */
  async function resolveAsManager(alertId: string) {
    const token = await h.tokenFor('own', 'manager');
    const answer = await h.request<AlertBody>('POST', `/v1/alerts/${alertId}/resolve`, {
      token,
      body: { outcome: 'false_alarm' },
    });
    expect(answer.body).toMatchObject({ status: 'resolved', resolutionOutcome: 'false_alarm', resolutionNote: '' });
  }

  const alertRow = async (alertId: string) =>
    (
      await h.database.sql`select status, acknowledged_by, resolved_by, resolution_outcome, resolution_note
                             from alerts where id = ${alertId}`
    )[0];

  test('the told caregiver acknowledges over HTTP: one winner, 409 with the state for the second, dashboards told live', async () => {
    const { alertId, told } = await raiseSos();
    const dashboard = await TestDashboard.connect(
      node.wsUrl,
      await tokenFor({ staffId: told.staffId, orgId: h.orgs.own.orgId, role: 'caregiver' }),
    );
    await dashboard.next('alert', (frame) => frame.alert.id === alertId);

    // Two devices of the same person at once: exactly one acknowledgement.
    const answers = await Promise.all(
      [1, 2].map(() =>
        h.request<AlertBody & ProblemBody>('POST', `/v1/alerts/${alertId}/ack`, { token: told.token, body: {} }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const won = answers.find((answer) => answer.status === 200);
    expect(won?.body).toMatchObject({ id: alertId, status: 'acknowledged', acknowledgedBy: told.staffId });
    const lost = answers.find((answer) => answer.status === 409);
    expect(lost?.headers.get('content-type')).toContain('application/problem+json');
    expect(lost?.body).toMatchObject({
      code: 'CONFLICT',
      current: { status: 'acknowledged', acknowledgedBy: told.staffId },
    });
    const updated = await dashboard.next(
      'alert.updated',
      (frame) => frame.alert.id === alertId && frame.alert.status === 'acknowledged',
    );
    expect(updated.alert.acknowledgedBy).toBe(told.staffId);
    await dashboard.close();
    const [escalation] = await h.database.sql<{ acked: number }[]>`
      select count(*) filter (where state = 'acknowledged')::int as acked from alert_deliveries where alert_id = ${alertId}`;
    expect(escalation?.acked).toBe(1);
    await resolveAsManager(alertId);
  });

  test('who may acknowledge: 403 for staff who see it but were not told, 404 for other organisations', async () => {
    const { alertId, notTold } = await raiseSos();
    const before = await alertRow(alertId);
    const manager = await h.tokenFor('own', 'manager');
    const forbidden = await h.request<ProblemBody>('POST', `/v1/alerts/${alertId}/ack`, { token: manager, body: {} });
    expect(forbidden).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const caregiver = await h.request<ProblemBody>('POST', `/v1/alerts/${alertId}/ack`, {
      token: notTold.token,
      body: {},
    });
    expect(caregiver.status).toBe(403);
    for (const role of ['admin', 'manager', 'caregiver'] as const) {
      const other = await h.tokenFor('other', role);
      const answer = await h.request<ProblemBody>('POST', `/v1/alerts/${alertId}/ack`, { token: other, body: {} });
      expect(answer).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    }
    const unknown = await h.request('POST', `/v1/alerts/${crypto.randomUUID()}/ack`, { token: manager, body: {} });
    expect(unknown.status).toBe(404);
    expect(await alertRow(alertId)).toEqual(before);
    await resolveAsManager(alertId);
  });

  test('resolve with a handling record; a second resolve is 409 with the state; bad input changes nothing', async () => {
    const { alertId, told, notTold } = await raiseSos();
    const path = `/v1/alerts/${alertId}/resolve`;
    const before = await alertRow(alertId);
    const refused = [
      { body: { outcome: 'went_shopping', note: 'x' }, field: 'body.outcome' },
      { body: { note: 'no outcome' }, field: 'body.outcome' },
      { body: { outcome: 'visited', note: 'x'.repeat(2001) }, field: 'body.note' },
      { body: { outcome: 'visited', extra: true }, field: 'body.extra' },
    ];
    for (const { body, field } of refused) {
      const answer = await h.request<ProblemBody>('POST', path, { token: told.token, body });
      expect(answer.status).toBe(422);
      expect(answer.body.errors?.map((error) => error.field)).toContain(field);
    }
    // The other caregiver was not told: for them the alert does not exist to resolve (the dashboard's rule).
    expect((await h.request('POST', path, { token: notTold.token, body: { outcome: 'visited' } })).status).toBe(404);
    const other = await h.tokenFor('other', 'admin');
    expect((await h.request('POST', path, { token: other, body: { outcome: 'visited' } })).status).toBe(404);
    expect(await alertRow(alertId)).toEqual(before);

    const resolved = await h.request<AlertBody>('POST', path, {
      token: told.token,
      body: { outcome: 'ambulance_119', note: '119 called, taken to hospital' },
    });
    expect(resolved).toMatchObject({
      status: 200,
      body: {
        status: 'resolved',
        resolvedBy: told.staffId,
        resolutionOutcome: 'ambulance_119',
        resolutionNote: '119 called, taken to hospital',
      },
    });
    const manager = await h.tokenFor('own', 'manager');
    const again = await h.request<ProblemBody>('POST', path, { token: manager, body: { outcome: 'false_alarm' } });
    expect(again).toMatchObject({
      status: 409,
      body: {
        code: 'CONFLICT',
        current: { status: 'resolved', resolvedBy: told.staffId, resolutionOutcome: 'ambulance_119' },
      },
    });
    const ack = await h.request<ProblemBody>('POST', `/v1/alerts/${alertId}/ack`, { token: told.token, body: {} });
    expect(ack).toMatchObject({ status: 409, body: { current: { status: 'resolved' } } });
    expect(await alertRow(alertId)).toMatchObject({ resolution_outcome: 'ambulance_119', resolved_by: told.staffId });
  });

  test('notes build a timeline; the history has everything in order, with the handling record', async () => {
    const { alertId, told } = await raiseSos();
    const notes = `/v1/alerts/${alertId}/notes`;
    for (const body of [{ body: '' }, { body: '   ' }, { body: 'x'.repeat(2001) }, {}, { body: 7 }]) {
      expect((await h.request('POST', notes, { token: told.token, body })).status).toBe(422);
    }
    const other = await h.tokenFor('other', 'manager');
    expect((await h.request('POST', notes, { token: other, body: { body: 'hello' } })).status).toBe(404);
    const first = await h.request<{ id: string; body: string; staffId: string }>('POST', notes, {
      token: told.token,
      body: { body: 'Called the resident: no answer' },
    });
    expect(first).toMatchObject({
      status: 201,
      body: { body: 'Called the resident: no answer', staffId: told.staffId },
    });
    const atLimit = 'ㄱ'.repeat(2000);
    expect((await h.request('POST', notes, { token: told.token, body: { body: atLimit } })).status).toBe(201);
    await h.request('POST', `/v1/alerts/${alertId}/ack`, { token: told.token, body: {} });
    await h.request('POST', `/v1/alerts/${alertId}/resolve`, {
      token: told.token,
      body: { outcome: 'resident_ok_by_phone', note: 'Guardian reached; resident fine' },
    });
    const manager = await h.tokenFor('own', 'manager');
    const history = await h.request<HistoryBody>('GET', `/v1/alerts/${alertId}/history`, { token: manager });
    expect(history.status).toBe(200);
    const { timeline } = history.body;
    expect(history.body.alert).toMatchObject({ id: alertId, status: 'resolved' });
    expect(history.body.handling).toMatchObject({
      outcome: 'resident_ok_by_phone',
      note: 'Guardian reached; resident fine',
      resolvedBy: told.staffId,
      resolvedByName: expect.any(String),
    });
    expect(history.body.deliveries).toEqual([
      expect.objectContaining({ staffId: told.staffId, state: 'acknowledged' }),
    ]);
    const events = timeline.map((entry) => entry.event);
    expect(events[0]).toBe('raised');
    expect(events.at(-1)).toBe('resolved');
    for (const expected of ['told', 'delivery acknowledged', 'note']) expect(events).toContain(expected);
    expect(events.indexOf('told')).toBeLessThan(events.indexOf('delivery acknowledged'));
    expect(timeline.filter((entry) => entry.event === 'note').map((entry) => entry.detail)).toEqual([
      'Called the resident: no answer',
      atLimit,
    ]);
    const times = timeline.map((entry) => Date.parse(entry.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(timeline.at(-1)?.detail).toBe('resident_ok_by_phone: Guardian reached; resident fine');

    const stranger = await h.tokenFor('other', 'admin');
    expect((await h.request('GET', `/v1/alerts/${alertId}/history`, { token: stranger })).status).toBe(404);
  });

  test('any body sent to resolve or notes: a 4xx problem or the documented answer, never a 5xx', async () => {
    const { alertId, told } = await raiseSos();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.jsonValue(), fc.string()),
        fc.constantFrom('resolve', 'notes'),
        async (body, verb) => {
          const answer = await h.request<ProblemBody>('POST', `/v1/alerts/${alertId}/${verb}`, {
            token: told.token,
            body: typeof body === 'string' ? body : JSON.stringify(body),
          });
          expect(answer.status).toBeLessThan(500);
          if (answer.status >= 400) expect(answer.headers.get('content-type')).toContain('application/problem+json');
        },
      ),
      { numRuns: 60 },
    );
  });

  test('the organisation’s alert audit (admins): every alert of these tests reached a person in time', async () => {
    const admin = await h.tokenFor('own', 'admin');
    const audit = await h.request<{ checked: number; violations: unknown[] }>('GET', '/v1/reports/alert-audit', {
      token: admin,
    });
    expect(audit.status).toBe(200);
    expect(audit.body.checked).toBeGreaterThanOrEqual(5);
    expect(audit.body.violations).toEqual([]);
    for (const role of ['manager', 'caregiver'] as const) {
      const refused = await h.request('GET', '/v1/reports/alert-audit', { token: await h.tokenFor('own', role) });
      expect(refused.status).toBe(403);
    }
    for (const query of ['?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z', '?tolerance=-1', '?from=yesterday']) {
      const bad = await h.request<ProblemBody>('GET', `/v1/reports/alert-audit${query}`, { token: admin });
      expect(bad).toMatchObject({ status: 422, body: { code: 'VALIDATION_FAILED' } });
    }
  });
});
