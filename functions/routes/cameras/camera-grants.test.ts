import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { StaffRole } from '../../../core/auth/access-token';
import { hashPassword } from '../../../core/auth/password';
import { checkCameraAccess } from '../../../db/queries/camera-access';
import { type ApiHarness, type OrgKey, startApiHarness } from '../../../infra/testing/api-harness';

interface Grant {
  id: string;
  orgId: string;
  residentId: string;
  staffId: string;
  grantedBy: string | null;
  reason: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  active: boolean;
}
interface Problem {
  status: number;
  code: string;
  errors?: { field: string; message: string }[];
}

const NO_ID = '00000000-0000-4000-8000-000000000000';

describe('standing camera access grants (Node server, real PostgreSQL)', () => {
  let h: ApiHarness;
  let admin: string;
  let camera: string;
  let resident: string;
  let carer: { staffId: string };
  beforeAll(async () => {
    h = await startApiHarness();
    admin = await h.tokenFor('own', 'admin');
    camera = h.orgs.own.cameraId;
    const [row] = await h.database.sql<{ residentId: string }[]>`
      select resident_id as "residentId" from cameras where id = ${camera}`;
    resident = row?.residentId ?? '';
    carer = h.loginOf('own', 'caregiver');
  });
  afterAll(() => h.stop());

  const grant = (body: unknown, token = admin, cameraId = camera) =>
    h.request<Grant & Problem>('POST', `/v1/cameras/${cameraId}/grants`, { token, body });
  const carerIdentity = () => ({ staffId: carer.staffId, orgId: h.orgs.own.orgId, role: 'caregiver' as const });

  describe('happy path', () => {
    test('an admin grants a caregiver standing access, lists it, revokes it; each step is audited', async () => {
      expect(await checkCameraAccess(h.database.sql, carerIdentity(), camera)).toEqual({
        ok: false,
        reason: 'no-reason-to-watch',
      });
      const created = await grant({ staffId: carer.staffId, reason: '  Close watch after discharge  ' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        orgId: h.orgs.own.orgId,
        residentId: resident,
        staffId: carer.staffId,
        grantedBy: h.loginOf('own', 'admin').staffId,
        reason: 'Close watch after discharge',
        expiresAt: null,
        revokedAt: null,
        active: true,
      });
      // The camera access rule (the realtime node's) now lets the caregiver watch without an alert.
      const access = await checkCameraAccess(h.database.sql, carerIdentity(), camera);
      expect(access.ok && access.camera.basis).toBe('standing-grant');

      const list = await h.request<{ items: Grant[]; nextCursor: string | null }>(
        'GET',
        `/v1/cameras/${camera}/grants?active=true`,
        { token: admin },
      );
      expect(list.status).toBe(200);
      expect(list.body.items.map((item) => item.id)).toContain(created.body.id);

      const revoked = await h.request<Grant>('DELETE', `/v1/cameras/${camera}/grants/${created.body.id}`, {
        token: admin,
      });
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ active: false, revokedBy: h.loginOf('own', 'admin').staffId });
      expect(revoked.body.revokedAt).not.toBeNull();
      expect(await checkCameraAccess(h.database.sql, carerIdentity(), camera)).toMatchObject({ ok: false });
      const again = await h.request<Problem>('DELETE', `/v1/cameras/${camera}/grants/${created.body.id}`, {
        token: admin,
      });
      expect(again.status).toBe(409);
      const inactive = await h.request<{ items: Grant[] }>('GET', `/v1/cameras/${camera}/grants?active=false`, {
        token: admin,
      });
      expect(inactive.body.items.map((item) => item.id)).toContain(created.body.id);

      const audit = await h.database.sql<{ action: string; targetId: string; details: Record<string, unknown> }[]>`
        select action, target_id as "targetId", details from audit_log
         where action like 'camera.access_%' and details->>'grantId' = ${created.body.id} order by id`;
      expect(audit.map((row) => row.action)).toEqual(['camera.access_granted', 'camera.access_revoked']);
      expect(audit[0]).toMatchObject({
        targetId: camera,
        details: { staffId: carer.staffId, residentId: resident, reason: 'Close watch after discharge' },
      });
    });

    test('a grant with an expiry is in force until then; the list pages by creation time', async () => {
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      const first = await grant({ staffId: carer.staffId, reason: 'Night watch', expiresAt });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ expiresAt, active: true });
      const second = await grant({ staffId: h.loginOf('own', 'caregiver2').staffId, reason: 'Backup carer' });
      expect(second.status).toBe(201);
      const page = await h.request<{ items: Grant[]; nextCursor: string | null }>(
        'GET',
        `/v1/cameras/${camera}/grants?limit=1&order=desc`,
        { token: admin },
      );
      expect(page.body.items.map((item) => item.id)).toEqual([second.body.id]);
      const next = await h.request<{ items: Grant[] }>(
        'GET',
        `/v1/cameras/${camera}/grants?limit=1&order=desc&cursor=${page.body.nextCursor}`,
        { token: admin },
      );
      expect(next.body.items.map((item) => item.id)).toEqual([first.body.id]);
      // Expired in the meantime: no longer active, no longer a reason to watch.
      await h.database.sql`update camera_access_grants set expires_at = now() - interval '1 second'
                            where id = ${first.body.id}`;
      const active = await h.request<{ items: Grant[] }>('GET', `/v1/cameras/${camera}/grants?active=true`, {
        token: admin,
      });
      expect(active.body.items.map((item) => item.id)).toEqual([second.body.id]);
      for (const { body } of [first, second]) {
        await h.request('DELETE', `/v1/cameras/${camera}/grants/${body.id}`, { token: admin });
      }
    });
  });

  describe('errors are problem+json', () => {
    const expectInvalid = (response: { status: number; headers: Headers; body: Problem }, fields: string[]) => {
      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.errors?.map((error) => error.field).sort()).toEqual(fields);
      return response.body.errors ?? [];
    };

    test('bad bodies list every bad field', async () => {
      expectInvalid(await grant({}), ['body.reason', 'body.staffId']);
      expectInvalid(await grant({ staffId: 'nope', reason: ' ', expiresAt: 'tomorrow', role: 'admin' }), [
        'body.expiresAt',
        'body.reason',
        'body.role',
        'body.staffId',
      ]);
      const past = expectInvalid(
        await grant({ staffId: carer.staffId, reason: 'x', expiresAt: '2020-01-01T00:00:00Z' }),
        ['body.expiresAt'],
      );
      expect(past[0]?.message).toBe('must be in the future');
    });

    test('the grantee must be an active caregiver of this organisation assigned to the camera’s resident', async () => {
      const messageFor = async (staffId: string) =>
        expectInvalid(await grant({ staffId, reason: 'x' }), ['body.staffId'])[0]?.message;
      expect(await messageFor(h.loginOf('other', 'caregiver').staffId)).toBe('does not exist in your organisation');
      expect(await messageFor(h.loginOf('own', 'manager').staffId)).toBe(
        'managers and admins can already watch every camera',
      );
      const [outsider] = await h.database.sql<{ id: string }[]>`
        insert into staff (org_id, name, email, role, password_hash)
        values (${h.orgs.own.orgId}, 'Unassigned carer', 'carer9@north.carewatch.test', 'caregiver',
                ${await hashPassword('twelve chars ok')})
        returning id`;
      expect(await messageFor(outsider?.id ?? '')).toBe('is not assigned to the camera’s resident');
      await h.database.sql`update staff set active = false where id = ${carer.staffId}`;
      try {
        expect(await messageFor(carer.staffId)).toBe('is deactivated');
      } finally {
        await h.database.sql`update staff set active = true where id = ${carer.staffId}`;
      }
    });

    test('path ids are validated; unknown cameras and grants, or a grant of another resident, are 404', async () => {
      const badPath = await h.request<Problem>('DELETE', `/v1/cameras/${camera}/grants/not-a-uuid`, { token: admin });
      expect(badPath.status).toBe(422);
      expect(badPath.body.errors).toEqual([{ field: 'path.grantId', message: 'must be a UUID' }]);
      expect((await h.request('GET', '/v1/cameras/nope/grants', { token: admin })).status).toBe(422);
      expect((await grant({ staffId: carer.staffId, reason: 'x' }, admin, NO_ID)).status).toBe(404);
      expect((await h.request('DELETE', `/v1/cameras/${camera}/grants/${NO_ID}`, { token: admin })).status).toBe(404);

      // A grant belongs to the camera's resident: another resident's camera does not reach it.
      const otherResident = h.orgs.own.residents[1]?.id ?? '';
      const kitchen = await h.request<{ id: string }>('POST', '/v1/cameras', {
        token: admin,
        body: { residentId: otherResident, name: 'Kitchen camera', source: { type: 'test-pattern' } },
      });
      const created = await grant({ staffId: carer.staffId, reason: 'x' });
      const viaOther = await h.request<Problem>('DELETE', `/v1/cameras/${kitchen.body.id}/grants/${created.body.id}`, {
        token: admin,
      });
      expect(viaOther.status).toBe(404);
      expect(viaOther.headers.get('content-type')).toBe('application/problem+json');
      const list = await h.request<{ items: Grant[] }>('GET', `/v1/cameras/${kitchen.body.id}/grants`, {
        token: admin,
      });
      expect(list.body.items).toEqual([]);
      await h.request('DELETE', `/v1/cameras/${camera}/grants/${created.body.id}`, { token: admin });
    });
  });

  describe('security: only admins, only their own organisation', () => {
    const roles: StaffRole[] = ['admin', 'manager', 'caregiver'];
    const orgs: OrgKey[] = ['own', 'other'];
    const cases = roles.flatMap((role) => orgs.map((org) => ({ role, org })));
    const expected = (role: StaffRole, org: OrgKey, success: number) =>
      role !== 'admin' ? 403 : org === 'other' ? 404 : success;

    test.each(cases)('$role grants, lists and revokes on a camera of the $org org', async ({ role, org }) => {
      const token = await h.tokenFor('own', role);
      const cameraId = h.orgs[org].cameraId;
      const staffId = h.loginOf(org, 'caregiver').staffId;
      const created = await grant({ staffId, reason: 'matrix' }, token, cameraId);
      expect(created.status).toBe(expected(role, org, 201));
      expect(created.headers.get('content-type')).toBe(
        created.status === 201 ? 'application/json' : 'application/problem+json',
      );
      const list = await h.request('GET', `/v1/cameras/${cameraId}/grants`, { token });
      expect(list.status).toBe(expected(role, org, 200));
      // A grant that exists on that camera: only an admin of the camera's organisation may revoke it.
      const [target] = await h.database.sql<{ id: string }[]>`
        insert into camera_access_grants (org_id, resident_id, staff_id, reason)
        select c.org_id, c.resident_id, ${staffId}, 'seeded' from cameras c where c.id = ${cameraId}
        returning id`;
      const revoke = await h.request('DELETE', `/v1/cameras/${cameraId}/grants/${target?.id}`, { token });
      expect(revoke.status).toBe(expected(role, org, 200));
      const [row] = await h.database.sql<{ revoked: boolean }[]>`
        select revoked_at is not null as revoked from camera_access_grants where id = ${target?.id ?? NO_ID}`;
      expect(row?.revoked).toBe(role === 'admin' && org === 'own');
      if (created.status === 201) {
        await h.request('DELETE', `/v1/cameras/${cameraId}/grants/${created.body.id}`, { token });
      }
    });
  });
});
