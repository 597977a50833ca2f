import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { raiseAlert } from '../../db/alerts/raise-alert';
import { type ApiHarness, type ApiResponse, startApiHarness } from '../../infra/testing/api-harness';

interface ProblemBody {
  status: number;
  code: string;
  errors?: { field: string; message: string }[];
}

/** Regression tests: input PostgreSQL cannot store, dates that do not exist, foreign cursors. */
describe('odd input is refused with problem+json, never a 5xx', () => {
  let h: ApiHarness;
  let admin: string;
  let residentId: string;
  let hubId: string;
  let cameraId: string;
  beforeAll(async () => {
    h = await startApiHarness();
    admin = await h.tokenFor('own', 'admin');
    const resident = h.orgs.own.residents[0];
    const hub = h.orgs.own.hubs[0];
    if (!resident || !hub) throw new Error('seed');
    residentId = resident.id;
    hubId = hub.id;
    cameraId = h.orgs.own.cameraId;
  });
  afterAll(() => h.stop());

  const expectProblem = (response: ApiResponse, status: number, code: string) => {
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const body = response.body as ProblemBody;
    expect(body).toMatchObject({ status, code });
    return body;
  };
  const fieldsOf = (body: ProblemBody) => body.errors?.map((error) => error.field).sort();

  describe('text PostgreSQL cannot store is a 400 naming the field', () => {
    test.each([
      ['NUL in a resident name', 'POST', '/v1/residents', { name: 'Kim\u0000' }, 'body.name'],
      ['NUL in an address', 'POST', '/v1/residents', { name: 'Kim', address: 'a\u0000b' }, 'body.address'],
      ['a lone high surrogate in a name', 'POST', '/v1/residents', { name: 'Kim \ud83d' }, 'body.name'],
      [
        'a lone low surrogate in care notes',
        'POST',
        '/v1/residents',
        { name: 'K', careNotes: '\udc00' },
        'body.careNotes',
      ],
      [
        'NUL inside a nested emergency contact (jsonb)',
        'POST',
        '/v1/residents',
        { name: 'Kim', emergencyContacts: [{ name: 'Lee\u0000', relation: 'son', phone: '010-1234-5678' }] },
        'body.emergencyContacts.0.name',
      ],
      [
        'NUL in a nested object key (thresholds)',
        'POST',
        '/v1/residents',
        { name: 'Kim', thresholds: { 'heart\u0000Rate': { min: 40, max: 120 } } },
        'body.thresholds.heart\u0000Rate',
      ],
    ])('%s', async (_name, method, path, body, field) => {
      const response = await h.request(method, path, { token: admin, body });
      expect(fieldsOf(expectProblem(response, 400, 'BAD_REQUEST'))).toEqual([field]);
    });

    test('NUL in a device room and label, a camera room', async () => {
      const device = await h.request('POST', '/v1/devices', {
        token: admin,
        body: { hubId, kind: 'door', room: 'hall\u0000', label: '\u0000' },
      });
      expect(fieldsOf(expectProblem(device, 400, 'BAD_REQUEST'))).toEqual(['body.label', 'body.room']);
      const camera = await h.request('PATCH', `/v1/cameras/${cameraId}`, { token: admin, body: { room: '\u0000' } });
      expect(fieldsOf(expectProblem(camera, 400, 'BAD_REQUEST'))).toEqual(['body.room']);
    });

    test('NUL in the q filter of residents and staff', async () => {
      for (const path of ['/v1/residents?q=a%00b', '/v1/staff?q=%00']) {
        const response = await h.request('GET', path, { token: admin });
        expect(fieldsOf(expectProblem(response, 400, 'BAD_REQUEST'))).toEqual(['query.q']);
      }
    });
  });

  describe('dates that do not exist or PostgreSQL cannot hold are a 422 naming the field', () => {
    test.each([
      ['year 0', 'to=0000-01-01T10:00:00Z', 'query.to'],
      ['February 30', 'from=2026-02-30T10:00:00Z&to=2026-03-03T10:00:00Z', 'query.from'],
      ['year 10000 once the offset is applied', 'to=9999-12-31T23:00:00-14:00', 'query.to'],
    ])('timeline: %s', async (_name, query, field) => {
      const response = await h.request('GET', `/v1/residents/${residentId}/timeline?${query}`, { token: admin });
      expect(fieldsOf(expectProblem(response, 422, 'VALIDATION_FAILED'))).toEqual([field]);
    });

    test('timeline: an offset of hours alone (+09), which Date.parse cannot read, is read', async () => {
      const response = await h.request<{ to: string }>(
        'GET',
        `/v1/residents/${residentId}/timeline?to=2026-01-01T10:00:00%2B09`,
        { token: admin },
      );
      expect(response.status).toBe(200);
      expect(response.body.to).toBe('2026-01-01T01:00:00.000Z');
    });

    test('a birth date of February 30 or year 0 does not roll over', async () => {
      for (const birthDate of ['1941-02-30', '2023-02-29', '0000-03-01']) {
        const response = await h.request('POST', '/v1/residents', { token: admin, body: { name: 'K', birthDate } });
        expect(fieldsOf(expectProblem(response, 422, 'VALIDATION_FAILED'))).toEqual(['body.birthDate']);
      }
      const leapDay = await h.request('POST', '/v1/residents', {
        token: admin,
        body: { name: 'Leap', birthDate: '1940-02-29' },
      });
      expect(leapDay.status).toBe(201);
      expect((leapDay.body as { birthDate: string }).birthDate).toBe('1940-02-29');
    });

    test('a grant expiring on February 30', async () => {
      const staffId = h.loginOf('own', 'caregiver').staffId;
      const response = await h.request('POST', `/v1/cameras/${cameraId}/grants`, {
        token: admin,
        body: { staffId, reason: 'watch', expiresAt: '2099-02-30T10:00:00Z' },
      });
      expect(fieldsOf(expectProblem(response, 422, 'VALIDATION_FAILED'))).toEqual(['body.expiresAt']);
    });
  });

  test('an RTP ssrc beyond 32 bits is a 422, not a bigint overflow in the port check', async () => {
    const response = await h.request('PATCH', `/v1/cameras/${cameraId}`, {
      token: admin,
      body: { source: { type: 'rtp', port: 15_004, ssrc: 1e21 } },
    });
    expect(fieldsOf(expectProblem(response, 422, 'VALIDATION_FAILED'))).toEqual(['body.source.ssrc']);
  });

  describe('a cursor that is not one of the caller’s rows is invalid on every list', () => {
    const other: Record<string, string> = {};
    beforeAll(async () => {
      const seeded = h.orgs.other;
      const resident = seeded.residents[0];
      const hub = seeded.hubs[0];
      if (!resident || !hub) throw new Error('seed');
      const plain = postgres(h.database.url, { max: 1, onnotice: () => {} });
      try {
        const alert = await plain.begin((tx) =>
          raiseAlert(tx, {
            orgId: seeded.orgId,
            residentId: resident.id,
            kind: 'sos',
            severity: 'critical',
            dedupKey: `${resident.id}:sos`,
            title: 'SOS',
          }),
        );
        const [assignment] = await plain`select id from assignments where org_id = ${seeded.orgId} limit 1`;
        Object.assign(other, {
          residents: resident.id,
          staff: h.loginOf('other', 'admin').staffId,
          assignments: String(assignment?.id),
          hubs: hub.id,
          devices: Object.values(hub.devices)[0],
          cameras: seeded.cameraId,
          alerts: alert.alertId,
        });
      } finally {
        await plain.end();
      }
    });
    const cursorOf = (id: string) => Buffer.from(id).toString('base64url');

    test.each(['residents', 'staff', 'assignments', 'hubs', 'devices', 'cameras', 'alerts'])(
      '%s: another organisation’s row, and an id of no row',
      async (list) => {
        const id = other[list];
        if (!id) throw new Error(`no ${list} id`);
        for (const cursor of [cursorOf(id), cursorOf('00000000-0000-4000-8000-000000000000')]) {
          for (const order of ['asc', 'desc']) {
            const response = await h.request('GET', `/v1/${list}?cursor=${cursor}&order=${order}`, { token: admin });
            expect(fieldsOf(expectProblem(response, 422, 'VALIDATION_FAILED'))).toEqual(['query.cursor']);
          }
        }
      },
    );

    test('camera grants: another organisation’s id', async () => {
      const foreign = cursorOf(other.residents ?? '');
      const response = await h.request('GET', `/v1/cameras/${cameraId}/grants?cursor=${foreign}`, { token: admin });
      expect(fieldsOf(expectProblem(response, 422, 'VALIDATION_FAILED'))).toEqual(['query.cursor']);
    });

    test('an own cursor still pages', async () => {
      const first = await h.request<{ items: { id: string }[]; nextCursor: string }>('GET', '/v1/residents?limit=1', {
        token: admin,
      });
      const next = await h.request<{ items: { id: string }[] }>(
        'GET',
        `/v1/residents?limit=1&cursor=${first.body.nextCursor}`,
        { token: admin },
      );
      expect(next.status).toBe(200);
      expect(next.body.items[0]?.id).not.toBe(first.body.items[0]?.id);
    });
  });
});
