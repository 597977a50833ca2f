import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FileMediaStore } from '../../../core/media/file-store';
import { checkMediaAccess } from '../../../db/queries/media-access';
import {
  giveEventMediaConsent,
  insertAlert,
  insertMedia,
  storeMedia,
  testJpeg,
} from '../../../infra/testing/alert-media';
import { type ApiHarness, startApiHarness } from '../../../infra/testing/api-harness';

interface MediaRow {
  id: string;
  cameraId: string;
  cameraName: string;
  kind: string;
  state: string;
  contentType: string | null;
  bytes: number | null;
  storedAt: string | null;
  error: string | null;
}
interface AuditRow {
  action: string;
  orgId: string;
  actorId: string;
  targetId: string;
  details: Record<string, unknown>;
}

const CLIP_BYTES = 200_000;

/** Compares bytes as buffers: vitest's deep equality walks a 200 kB array element by element, slowly. */
function expectBytes(actual: Uint8Array, expected: Uint8Array) {
  expect(actual.byteLength).toBe(expected.byteLength);
  expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
}

describe('alert media: list, snapshot and clip (Node server, real PostgreSQL, the file store)', () => {
  let h: ApiHarness;
  let folder: string;
  let store: FileMediaStore;
  const jpeg = testJpeg();
  const clip = new Uint8Array(CLIP_BYTES).map((_, index) => (index * 7) % 256);
  let resident: string;
  let camera: string;
  let secondCamera: string;
  let unconsentedCamera: string;
  let alert: string;
  let snapshotKey: string;
  let clipKey: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'carewatch-alert-media-'));
    store = new FileMediaStore(folder, 0);
    h = await startApiHarness(
      { MEDIA_DIR: folder, STAFF_ACTIVE_TTL_MS: '0' },
      { skipAlertAudit: 'alerts are written by hand to carry media rows; none goes through the ladder' },
    );
    const { sql } = h.database;
    const own = h.orgs.own;
    resident = own.residents[0]?.id ?? '';
    camera = own.cameraId;
    await giveEventMediaConsent(sql, camera);
    const cameraRow = (name: string, port: number) => sql<{ id: string }[]>`
      insert into cameras (org_id, resident_id, name, source, consent_given_by, consent_recorded_at)
      values (${own.orgId}, ${resident}, ${name}, ${sql.json({ type: 'rtp', port })}, 'the resident', now())
      returning id`;
    secondCamera = (await cameraRow('Bedroom camera', 5010))[0]?.id ?? '';
    unconsentedCamera = (await cameraRow('Hall camera', 5012))[0]?.id ?? '';
    await giveEventMediaConsent(sql, secondCamera);
    // The second caregiver is not assigned to this resident: for them the alert does not exist.
    await sql`delete from assignments where resident_id = ${resident} and staff_id = ${h.loginOf('own', 'caregiver2').staffId}`;
    alert = await insertAlert(sql, { orgId: own.orgId, residentId: resident, status: 'resolved' });
    const base = { orgId: own.orgId, alertId: alert, residentId: resident };
    snapshotKey = (await storeMedia(sql, store, { ...base, cameraId: camera, kind: 'snapshot' }, jpeg)).key;
    clipKey = (await storeMedia(sql, store, { ...base, cameraId: camera, kind: 'clip' }, clip)).key;
    await insertMedia(sql, {
      ...base,
      cameraId: secondCamera,
      kind: 'snapshot',
      state: 'failed',
      error: 'no keyframe yet',
    });
    await insertMedia(sql, { ...base, cameraId: secondCamera, kind: 'clip', state: 'capturing' });
    await storeMedia(sql, store, { ...base, cameraId: unconsentedCamera, kind: 'snapshot' }, jpeg);
  });
  afterAll(async () => {
    await h?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  const get = async (path: string, role: Parameters<ApiHarness['tokenFor']>[1], org: 'own' | 'other' = 'own') =>
    h.request<unknown>('GET', path, { token: await h.tokenFor(org, role) });
  const bytesOf = async (path: string, token: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${h.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
    return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
  };
  const auditRows = (action: string, actorId: string) => h.database.sql<AuditRow[]>`
    select action, org_id as "orgId", actor_id as "actorId", target_id as "targetId", details from audit_log
     where action = ${action} and actor_id = ${actorId} order by id`;
  const openAnotherAlert = () => insertAlert(h.database.sql, { orgId: h.orgs.own.orgId, residentId: resident });

  describe('happy path', () => {
    test('the list shows every row of consented cameras with its state, not the camera without consent', async () => {
      const response = await get(`/v1/alerts/${alert}/media`, 'admin');
      expect(response.status).toBe(200);
      const items = (response.body as { items: MediaRow[] }).items;
      expect(items).toHaveLength(4);
      expect(items.map((item) => item.cameraId)).not.toContain(unconsentedCamera);
      expect(items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            cameraId: camera,
            cameraName: 'Living room camera',
            kind: 'snapshot',
            state: 'stored',
            contentType: 'image/jpeg',
            bytes: jpeg.byteLength,
            error: null,
          }),
          expect.objectContaining({ cameraId: camera, kind: 'clip', state: 'stored', bytes: CLIP_BYTES }),
          expect.objectContaining({
            cameraId: secondCamera,
            cameraName: 'Bedroom camera',
            kind: 'snapshot',
            state: 'failed',
            error: 'no keyframe yet',
            storedAt: null,
          }),
          expect.objectContaining({ cameraId: secondCamera, kind: 'clip', state: 'capturing' }),
        ]),
      );
      const empty = await insertAlert(h.database.sql, {
        orgId: h.orgs.own.orgId,
        residentId: resident,
        status: 'resolved',
      });
      expect(await get(`/v1/alerts/${empty}/media`, 'admin')).toMatchObject({ status: 200, body: { items: [] } });
    });

    test('the snapshot is the stored JPEG, private and not cached, and its view is audited', async () => {
      const admin = h.loginOf('own', 'admin');
      const { response, bytes } = await bytesOf(`/v1/alerts/${alert}/snapshot`, await h.tokenFor('own', 'admin'));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      expect(response.headers.get('cache-control')).toBe('private, no-store');
      expect(response.headers.get('content-length')).toBe(String(jpeg.byteLength));
      expect(bytes).toEqual(jpeg);
      const views = await auditRows('alert.media.view', admin.staffId);
      expect(views.at(-1)).toMatchObject({
        orgId: h.orgs.own.orgId,
        targetId: alert,
        details: { cameraId: camera, kind: 'snapshot', basis: 'manager', range: null },
      });
      const byCamera = await bytesOf(
        `/v1/alerts/${alert}/snapshot?cameraId=${camera}`,
        await h.tokenFor('own', 'manager'),
      );
      expect(byCamera.response.status).toBe(200);
      expect(byCamera.bytes).toEqual(jpeg);
    });

    test("without cameraId the alert's latest stored snapshot is served; with it, that camera's", async () => {
      const { sql } = h.database;
      const other = await insertAlert(sql, { orgId: h.orgs.own.orgId, residentId: resident, status: 'resolved' });
      const base = { orgId: h.orgs.own.orgId, alertId: other, residentId: resident, kind: 'snapshot' as const };
      const older = await storeMedia(sql, store, { ...base, cameraId: camera }, jpeg);
      const later = new Uint8Array([255, 216, 255, 224, 1, 2, 3]);
      const newer = await storeMedia(sql, store, { ...base, cameraId: secondCamera }, later);
      await sql`update alert_media set stored_at = now() - interval '1 minute' where id = ${older.id}`;
      const token = await h.tokenFor('own', 'admin');
      expectBytes((await bytesOf(`/v1/alerts/${other}/snapshot`, token)).bytes, later);
      expectBytes((await bytesOf(`/v1/alerts/${other}/snapshot?cameraId=${camera}`, token)).bytes, jpeg);
      expect((await get(`/v1/alerts/${other}/clip`, 'admin')).status).toBe(404);
      await sql`delete from alert_media where id in ${sql([older.id, newer.id])}`;
    });

    test('the clip is served whole with Accept-Ranges, and HEAD answers its headers without a view row', async () => {
      const token = await h.tokenFor('own', 'admin');
      const { response, bytes } = await bytesOf(`/v1/alerts/${alert}/clip`, token);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('video/mp4');
      expect(response.headers.get('accept-ranges')).toBe('bytes');
      expectBytes(bytes, clip);
      const before = (await auditRows('alert.media.view', h.loginOf('own', 'admin').staffId)).length;
      const head = await fetch(`${h.baseUrl}/v1/alerts/${alert}/clip`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${token}`, range: 'bytes=0-9' },
      });
      expect(head.status).toBe(206);
      expect(head.headers.get('content-range')).toBe(`bytes 0-9/${CLIP_BYTES}`);
      expect(head.headers.get('content-length')).toBe('10');
      expect((await head.arrayBuffer()).byteLength).toBe(0);
      expect((await auditRows('alert.media.view', h.loginOf('own', 'admin').staffId)).length).toBe(before);
    });
  });

  describe('ranges (RFC 9110 §14)', () => {
    test.each([
      ['bytes=0-99', 0, 99],
      ['bytes=100-', 100, CLIP_BYTES - 1],
      ['bytes=-500', CLIP_BYTES - 500, CLIP_BYTES - 1],
      ['bytes=150000-999999', 150_000, CLIP_BYTES - 1],
      ['bytes=-999999', 0, CLIP_BYTES - 1],
      [`bytes=${CLIP_BYTES - 1}-${CLIP_BYTES - 1}`, CLIP_BYTES - 1, CLIP_BYTES - 1],
    ])('%s → 206 with the bytes %i–%i', async (range, start, end) => {
      const { response, bytes } = await bytesOf(`/v1/alerts/${alert}/clip`, await h.tokenFor('own', 'admin'), {
        range,
      });
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${CLIP_BYTES}`);
      expect(response.headers.get('content-length')).toBe(String(end - start + 1));
      expectBytes(bytes, clip.slice(start, end + 1));
    });

    test('any valid single range answers exactly those bytes (property)', async () => {
      const token = await h.tokenFor('own', 'admin');
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: CLIP_BYTES - 1 }),
          fc.integer({ min: 0, max: CLIP_BYTES + 1_000 }),
          async (a, b) => {
            const [start, last] = [Math.min(a, b), Math.max(a, b)];
            const { response, bytes } = await bytesOf(`/v1/alerts/${alert}/clip`, token, {
              range: `bytes=${start}-${last}`,
            });
            const end = Math.min(last, CLIP_BYTES - 1);
            expect(response.status).toBe(206);
            expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${CLIP_BYTES}`);
            expectBytes(bytes, clip.slice(start, end + 1));
          },
        ),
        { numRuns: 25 },
      );
    });

    test.each([`bytes=${CLIP_BYTES}-`, `bytes=${CLIP_BYTES + 5}-${CLIP_BYTES + 10}`, 'bytes=-0'])(
      '%s → 416 problem+json with Content-Range: bytes */size',
      async (range) => {
        const { response, bytes } = await bytesOf(`/v1/alerts/${alert}/clip`, await h.tokenFor('own', 'admin'), {
          range,
        });
        expect(response.status).toBe(416);
        expect(response.headers.get('content-range')).toBe(`bytes */${CLIP_BYTES}`);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(JSON.parse(new TextDecoder().decode(bytes))).toMatchObject({ code: 'RANGE_NOT_SATISFIABLE' });
      },
    );

    test.each(['bytes=abc', 'items=0-9', 'bytes=9-3', 'bytes=0-1,5-6', 'bytes='])(
      '%s is ignored: 200 with the whole clip',
      async (range) => {
        const { response, bytes } = await bytesOf(`/v1/alerts/${alert}/clip`, await h.tokenFor('own', 'admin'), {
          range,
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-range')).toBeNull();
        expect(bytes.byteLength).toBe(CLIP_BYTES);
      },
    );

    test('a ranged view is audited with its range', async () => {
      await bytesOf(`/v1/alerts/${alert}/clip`, await h.tokenFor('own', 'manager'), { range: 'bytes=10-19' });
      const views = await auditRows('alert.media.view', h.loginOf('own', 'manager').staffId);
      expect(views.at(-1)?.details).toMatchObject({ kind: 'clip', basis: 'manager', range: 'bytes=10-19' });
    });
  });

  describe('who may see it', () => {
    const paths = () => [`/v1/alerts/${alert}/media`, `/v1/alerts/${alert}/snapshot`, `/v1/alerts/${alert}/clip`];
    const expectAll = async (role: Parameters<ApiHarness['tokenFor']>[1], status: number, org: 'own' | 'other') => {
      for (const path of paths()) {
        const response = await get(path, role, org);
        expect([path, response.status]).toEqual([path, status]);
        if (status === 404) expect(response.headers.get('content-type')).toBe('application/problem+json');
      }
    };

    test.each([
      ['admin', 'own', 200],
      ['manager', 'own', 200],
      ['admin', 'other', 404],
      ['manager', 'other', 404],
      ['caregiver', 'other', 404],
    ] as const)('%s of the %s organisation: %i on list, snapshot and clip', async (role, org, status) => {
      await expectAll(role, status, org);
    });

    test("another organisation's admin is refused as if the alert did not exist, and the refusal is audited", async () => {
      const stranger = h.loginOf('other', 'admin');
      await expectAll('admin', 404, 'other');
      const denied = await auditRows('alert.media.denied', stranger.staffId);
      expect(denied.map((row) => row.details.kind).sort()).toEqual(
        expect.arrayContaining(['clip', 'list', 'snapshot']),
      );
      expect(denied[0]).toMatchObject({ orgId: h.orgs.other.orgId, targetId: alert, details: { reason: 'not-found' } });
      // An alert that does not exist is refused the same, and writes nothing.
      const before = (await auditRows('alert.media.denied', stranger.staffId)).length;
      expect((await get('/v1/alerts/00000000-0000-4000-8000-000000000000/media', 'admin', 'other')).status).toBe(404);
      expect((await auditRows('alert.media.denied', stranger.staffId)).length).toBe(before);
    });

    test('an assigned caregiver needs an open alert of the resident or a standing grant; an unassigned one never sees it', async () => {
      const carer = h.loginOf('own', 'caregiver');
      await expectAll('caregiver', 404, 'own');
      expect((await auditRows('alert.media.denied', carer.staffId)).at(-1)?.details).toMatchObject({
        reason: 'no-reason-to-view',
      });
      await expectAll('caregiver2', 404, 'own');
      expect(
        (await auditRows('alert.media.denied', h.loginOf('own', 'caregiver2').staffId)).at(-1)?.details,
      ).toMatchObject({ reason: 'not-found' });

      const open = await openAnotherAlert();
      await expectAll('caregiver', 200, 'own');
      expect((await auditRows('alert.media.view', carer.staffId)).at(-1)?.details).toMatchObject({
        basis: 'open-alert',
      });
      await expectAll('caregiver2', 404, 'own');
      await h.database.sql`update alerts set status = 'resolved', resolved_at = now() where id = ${open}`;
      await expectAll('caregiver', 404, 'own');

      const grant = await h.request<{ id: string }>('POST', `/v1/cameras/${camera}/grants`, {
        token: await h.tokenFor('own', 'admin'),
        body: { staffId: carer.staffId, reason: 'Review of the fall' },
      });
      expect(grant.status).toBe(201);
      await expectAll('caregiver', 200, 'own');
      expect((await auditRows('alert.media.view', carer.staffId)).at(-1)?.details).toMatchObject({
        basis: 'standing-grant',
      });
      await h.request('DELETE', `/v1/cameras/${camera}/grants/${grant.body.id}`, {
        token: await h.tokenFor('own', 'admin'),
      });
      await expectAll('caregiver', 404, 'own');
    });

    test('deactivated staff are refused (the token is no longer good) and the rule itself says not found', async () => {
      const manager = h.loginOf('own', 'manager');
      const token = await h.tokenFor('own', 'manager');
      await h.database.sql`update staff set active = false where id = ${manager.staffId}`;
      try {
        for (const path of paths()) {
          expect((await h.request('GET', path, { token })).status).toBe(401);
        }
        expect(
          await checkMediaAccess(h.database.sql, { staffId: manager.staffId, orgId: h.orgs.own.orgId }, alert),
        ).toEqual({ ok: false, reason: 'not-found', alertExists: true });
      } finally {
        await h.database.sql`update staff set active = true where id = ${manager.staffId}`;
      }
    });

    test('a manager demoted to caregiver in staff loses manager-level access at once (the role is read, not trusted)', async () => {
      const manager = h.loginOf('own', 'manager');
      await h.database.sql`update staff set role = 'caregiver' where id = ${manager.staffId}`;
      try {
        await expectAll('manager', 404, 'own');
      } finally {
        await h.database.sql`update staff set role = 'manager' where id = ${manager.staffId}`;
      }
    });

    test('without event-media consent on the camera, even an admin gets 404 (and a denied row)', async () => {
      const admin = h.loginOf('own', 'admin');
      await h.database.sql`update cameras set event_media_consent_given_by = null where id in ${h.database.sql([
        camera,
        secondCamera,
      ])}`;
      try {
        await expectAll('admin', 404, 'own');
        expect((await get(`/v1/alerts/${alert}/snapshot?cameraId=${unconsentedCamera}`, 'admin')).status).toBe(404);
        expect((await auditRows('alert.media.denied', admin.staffId)).at(-1)?.details).toMatchObject({
          reason: 'no-consent',
          cameraId: unconsentedCamera,
        });
      } finally {
        await giveEventMediaConsent(h.database.sql, camera);
        await giveEventMediaConsent(h.database.sql, secondCamera);
      }
    });

    test('a camera whose capture failed or is under way has no snapshot or clip to serve: 404', async () => {
      for (const kind of ['snapshot', 'clip']) {
        expect((await get(`/v1/alerts/${alert}/${kind}?cameraId=${secondCamera}`, 'admin')).status).toBe(404);
      }
      expect((await get(`/v1/alerts/${alert}/snapshot?cameraId=not-a-uuid`, 'admin')).status).toBe(422);
    });
  });

  describe('consent per purpose, discharge and erase remove the media', () => {
    const purgeQueue = async () =>
      (await h.database.sql<{ key: string }[]>`select storage_key as key from media_purge_queue`).map((row) => row.key);

    test('event-media consent is recorded and withdrawn on its own; withdrawing deletes the camera’s media and queues its bytes', async () => {
      const token = await h.tokenFor('own', 'admin');
      const admin = h.loginOf('own', 'admin');
      const recorded = await h.request<Record<string, unknown>>('PATCH', `/v1/cameras/${camera}`, {
        token,
        body: { eventMediaConsentGivenBy: '  김순자 (resident)  ' },
      });
      expect(recorded.status).toBe(200);
      expect(recorded.body).toMatchObject({
        eventMediaConsentGivenBy: '김순자 (resident)',
        eventMediaConsentRecordedBy: admin.staffId,
        consentGivenBy: expect.any(String),
      });
      expect(recorded.body.eventMediaConsentRecordedAt).toEqual(expect.any(String));
      const profile = await h.request<{ cameras: { id: string; consent: boolean; eventMediaConsent: boolean }[] }>(
        'GET',
        `/v1/residents/${resident}`,
        { token },
      );
      expect(profile.body.cameras.find((entry) => entry.id === camera)).toMatchObject({
        consent: true,
        eventMediaConsent: true,
      });
      expect(profile.body.cameras.find((entry) => entry.id === unconsentedCamera)).toMatchObject({
        consent: true,
        eventMediaConsent: false,
      });

      const withdrawn = await h.request<Record<string, unknown>>('PATCH', `/v1/cameras/${camera}`, {
        token,
        body: { eventMediaConsentGivenBy: null },
      });
      expect(withdrawn.status).toBe(200);
      expect(withdrawn.body).toMatchObject({
        eventMediaConsentGivenBy: null,
        eventMediaConsentRecordedBy: null,
        eventMediaConsentRecordedAt: null,
        consentGivenBy: expect.any(String),
      });
      const left = await h.database.sql`select 1 from alert_media where camera_id = ${camera}`;
      expect(left).toHaveLength(0);
      expect(await purgeQueue()).toEqual(expect.arrayContaining([snapshotKey, clipKey]));
      const audit = await h.database.sql<AuditRow[]>`
        select action, org_id as "orgId", actor_id as "actorId", target_id as "targetId", details from audit_log
         where target_id = ${camera} and action like 'camera.event_media_consent_%' order by id`;
      expect(audit.map((row) => row.action)).toEqual([
        'camera.event_media_consent_recorded',
        'camera.event_media_consent_withdrawn',
      ]);
      expect(audit[1]?.details).toMatchObject({ mediaDeleted: 2, residentId: resident });

      const created = await h.request<Record<string, unknown>>('POST', '/v1/cameras', {
        token,
        body: {
          residentId: resident,
          name: 'Kitchen camera',
          source: { type: 'test-pattern' },
          eventMediaConsentGivenBy: 'guardian 김민수',
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        consentGivenBy: null,
        eventMediaConsentGivenBy: 'guardian 김민수',
        eventMediaConsentRecordedBy: admin.staffId,
      });
      const [createdAudit] = await h.database.sql<{ action: string }[]>`
        select action from audit_log where target_id = ${String(created.body.id)}`;
      expect(createdAudit?.action).toBe('camera.event_media_consent_recorded');
    });

    test('discharge deletes the resident’s media in its transaction; erase’s cascade queues the bytes too', async () => {
      const token = await h.tokenFor('own', 'admin');
      const own = h.orgs.own;
      const [second, third] = [own.residents[1]?.id ?? '', own.residents[2]?.id ?? ''];
      const keys: Record<string, string> = {};
      for (const residentId of [second, third]) {
        const alertId = await insertAlert(h.database.sql, { orgId: own.orgId, residentId, status: 'resolved' });
        const [row] = await h.database.sql<{ id: string }[]>`
          insert into cameras (org_id, resident_id, name, source) values
            (${own.orgId}, ${residentId}, 'Camera', ${h.database.sql.json({ type: 'test-pattern' })}) returning id`;
        keys[residentId] = (
          await storeMedia(
            h.database.sql,
            store,
            { orgId: own.orgId, alertId, residentId, cameraId: row?.id ?? '', kind: 'snapshot' },
            jpeg,
          )
        ).key;
      }
      const discharged = await h.request('POST', `/v1/residents/${second}/discharge`, { token });
      expect(discharged.status).toBe(200);
      expect(await h.database.sql`select 1 from alert_media where resident_id = ${second}`).toHaveLength(0);
      expect(await purgeQueue()).toContain(keys[second]);
      const [audit] = await h.database.sql<{ details: Record<string, unknown> }[]>`
        select details from audit_log where action = 'resident.discharge' and target_id = ${second}`;
      expect(audit?.details).toEqual({ mediaDeleted: 1 });

      const erased = await h.request('DELETE', `/v1/residents/${third}`, { token });
      expect(erased.status).toBe(200);
      expect(await h.database.sql`select 1 from alert_media where resident_id = ${third}`).toHaveLength(0);
      expect(await purgeQueue()).toContain(keys[third]);
    });
  });
});
