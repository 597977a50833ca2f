import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { StaffIdentity } from '../../core/auth/access-token';
import type { ServerFrame } from '../protocol';
import {
  type CameraHarness,
  type NodeViewer,
  startCameraHarness,
  watchWithNodeViewer,
  whepWithNodeViewer,
} from './testing';

const RECHECK_MS = 300;

describe('a running view ends when its access ends', () => {
  let harness: CameraHarness;
  beforeAll(async () => {
    harness = await startCameraHarness({ CAMERA_ACCESS_RECHECK_MS: String(RECHECK_MS) });
  });
  afterAll(async () => {
    await harness?.close();
  });
  afterEach(async () => {
    const { database, cameraId, residentId } = harness;
    await database.sql`update cameras set consent_given_by = 'resident', consent_recorded_at = now(), enabled = true
                        where id = ${cameraId}`;
    await database.sql`update alerts set status = 'resolved', resolved_at = now() where resident_id = ${residentId}`;
    await database.sql`update camera_access_grants set revoked_at = now() where resident_id = ${residentId}`;
    await database.sql`update residents set status = 'active', discharged_at = null where id = ${residentId}`;
    await database.sql`update staff set role = 'manager' where id = ${harness.identities.manager.staffId}`;
  });

  const ended = (viewer: NodeViewer) =>
    viewer.frames.find(
      (frame): frame is Extract<ServerFrame, { type: 'camera.state' }> =>
        frame.type === 'camera.state' && frame.state === 'ended',
    );
  const errorCode = (viewer: NodeViewer) =>
    viewer.frames.find((frame): frame is Extract<ServerFrame, { type: 'error' }> => frame.type === 'error')?.code;
  const stopRow = async (sessionId: string | null) => {
    await harness.service.flushAudit();
    const [row] = await harness.database.sql<{ details: Record<string, unknown> }[]>`
      select details from audit_log where action = 'camera.view.stop' and details->>'sessionId' = ${sessionId ?? ''}`;
    return row?.details;
  };
  const openAlert = async (kind: 'sos' | 'fall') => {
    const { database, identities, residentId } = harness;
    const [row] = await database.sql<{ id: string }[]>`
      insert into alerts (org_id, resident_id, kind, severity, dedup_key, title)
      values (${identities.carer.orgId}, ${residentId}, ${kind}, 'critical', ${`${residentId}:${kind}`}, ${kind})
      returning id`;
    return row?.id ?? '';
  };

  test('a caregiver watching for an alert is cut when it resolves, not while another alert or a grant remains', async () => {
    const { service, database, cameraId, identities, residentId } = harness;
    const sos = await openAlert('sos');
    const fall = await openAlert('fall');
    const viewer = await watchWithNodeViewer(service, identities.carer, cameraId, 'carer-1');
    await viewer.waitForPackets(10);

    await database.sql`update alerts set status = 'resolved', resolved_at = now() where id = ${sos}`;
    expect(await service.recheckAccess()).toBe(0);
    await database.sql`
      insert into camera_access_grants (org_id, resident_id, staff_id, granted_by, reason)
      values (${identities.carer.orgId}, ${residentId}, ${identities.carer.staffId}, ${identities.admin.staffId},
              'close watch after discharge')`;
    await database.sql`update alerts set status = 'resolved', resolved_at = now() where id = ${fall}`;
    expect(await service.recheckAccess()).toBe(0);
    expect(ended(viewer)).toBeUndefined();

    // The last reason goes: the periodic re-check (not a call from the test) ends the view within its interval.
    const revokedAt = Date.now();
    await database.sql`update camera_access_grants set revoked_at = now() where staff_id = ${identities.carer.staffId}`;
    await expect.poll(() => ended(viewer), { timeout: RECHECK_MS * 5, interval: 20 }).toBeDefined();
    expect(Date.now() - revokedAt).toBeLessThan(RECHECK_MS * 5);
    expect(errorCode(viewer)).toBe(3102);
    expect(ended(viewer)?.reason).toBe('access ended: no open alert or standing grant');
    expect(service.stats()).toMatchObject({ sessions: 0, peers: 0 });
    expect(await stopRow(viewer.sessionId)).toMatchObject({
      reason: 'access ended: no open alert or standing grant',
      endedBy: 'access-check',
      access: 'no-reason-to-watch',
      transport: 'websocket',
    });
    viewer.close();
  });

  test('withdrawn consent ends every view, WHEP and managers’ included; so does disabling the camera', async () => {
    const { service, database, cameraId, identities } = harness;
    const manager = await watchWithNodeViewer(service, identities.manager, cameraId, 'manager-1');
    const whep = await whepWithNodeViewer(service, identities.admin, cameraId);
    await manager.waitForPackets(10);
    await expect.poll(() => whep.rtpPackets, { timeout: 10_000 }).toBeGreaterThan(10);

    await database.sql`update cameras set consent_given_by = null, consent_recorded_at = null where id = ${cameraId}`;
    await service.recheckAccess(); // (or the timer's run just before: either ends both views)
    expect(errorCode(manager)).toBe(3101);
    expect(ended(manager)?.reason).toBe('access ended: consent withdrawn');
    // The WHEP session is gone: its peer is closed, no more video reaches the viewer, and DELETE would answer 404.
    // (WHEP has no channel back to the player; it notices the silence like any lost peer.)
    expect(service.whep.stop(identities.admin, cameraId, whep.sessionId)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const packetsAfterEnd = whep.rtpPackets;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(whep.rtpPackets).toBe(packetsAfterEnd);
    expect(await stopRow(whep.sessionId)).toMatchObject({ transport: 'whep', access: 'no-consent' });
    expect(service.stats()).toMatchObject({ sessions: 0, peers: 0 });
    manager.close();
    whep.close();

    await database.sql`update cameras set consent_given_by = 'resident', consent_recorded_at = now() where id = ${cameraId}`;
    const again = await watchWithNodeViewer(service, identities.manager, cameraId, 'manager-2');
    await again.waitForPackets(10);
    await database.sql`update cameras set enabled = false where id = ${cameraId}`;
    await service.recheckAccess();
    expect(errorCode(again)).toBe(3103);
    expect(ended(again)?.reason).toBe('access ended: camera disabled');
    again.close();
  });

  test('the feed reconcile closing a disabled camera’s feed tells its viewers why first', async () => {
    const { service, database, cameraId, identities } = harness;
    const viewer = await watchWithNodeViewer(service, identities.manager, cameraId, 'manager-reconcile');
    await viewer.waitForPackets(10);
    await database.sql`update cameras set enabled = false where id = ${cameraId}`;
    await service.reconcileFeeds(); // (or the timer's run of either job just before: the reason is the same)
    expect(errorCode(viewer)).toBe(3103);
    expect(ended(viewer)?.reason).toBe('access ended: camera disabled');
    viewer.close();
  });

  test('a view ends when its access token expires, unless its connection refreshed the token', async () => {
    const { service, cameraId, identities } = harness;
    const soon: StaffIdentity = { ...identities.manager, expiresAt: Math.floor(Date.now() / 1000) + 3 };
    const expiring = await watchWithNodeViewer(service, soon, cameraId, 'expiring');
    const refreshed = await watchWithNodeViewer(service, soon, cameraId, 'refreshed');
    service.signalling.reauthenticate('refreshed', { ...soon, expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    await Promise.all([expiring.waitForPackets(5), refreshed.waitForPackets(5)]);
    expect(ended(expiring)).toBeUndefined();

    await expect.poll(() => ended(expiring), { timeout: 3000 + RECHECK_MS * 5, interval: 50 }).toBeDefined();
    expect(Date.now()).toBeGreaterThanOrEqual(soon.expiresAt * 1000);
    expect(errorCode(expiring)).toBe(3108);
    expect(ended(expiring)?.reason).toBe('access ended: access token expired');
    expect(await stopRow(expiring.sessionId)).toMatchObject({ access: 'token-expired', endedBy: 'access-check' });
    expect(await service.recheckAccess()).toBe(0);
    expect(ended(refreshed)).toBeUndefined();
    expect(service.stats().sessions).toBe(1);
    await service.signalling.disconnect('refreshed');
    expiring.close();
    refreshed.close();
  });

  test('the re-check in two halves, as a job runs it: findRevoked(sql, now) reports, endViews ends', async () => {
    const { service, database, cameraId, identities } = harness;
    const viewer = await watchWithNodeViewer(service, identities.manager, cameraId, 'halves-1');
    await viewer.waitForPackets(5);
    const { accessRecheck } = service;
    expect(await accessRecheck.findRevoked(database.sql, new Date())).toEqual([]);
    // Two hours on, the one-hour token has expired: reported, but nothing ends until the caller ends it.
    const later = new Date(Date.now() + 2 * 3600_000);
    const revoked = await accessRecheck.findRevoked(database.sql, later);
    expect(revoked).toEqual([{ sessionId: viewer.sessionId, why: 'token-expired' }]);
    expect(ended(viewer)).toBeUndefined();
    expect(accessRecheck.endViews(revoked)).toBe(1);
    expect(errorCode(viewer)).toBe(3108);
    expect(ended(viewer)?.reason).toBe('access ended: access token expired');
    // A view already ended is not ended twice.
    expect(accessRecheck.endViews(revoked)).toBe(0);
    expect(service.stats()).toMatchObject({ sessions: 0, peers: 0 });
    viewer.close();
  });

  test('a caregiver unassigned from the resident, or deactivated, loses the view like any other reader', async () => {
    const { service, database, cameraId, identities, residentId } = harness;
    await openAlert('sos');
    const cutBy = async (change: () => Promise<unknown>, restore: () => Promise<unknown>) => {
      const viewer = await watchWithNodeViewer(service, identities.carer, cameraId, `carer-${Math.random()}`);
      await viewer.waitForPackets(5);
      await change();
      try {
        await service.recheckAccess();
        expect(errorCode(viewer)).toBe(3100);
        expect(ended(viewer)?.reason).toBe('access ended: camera or resident no longer readable');
      } finally {
        await restore();
        viewer.close();
      }
    };
    let assignment: Record<string, unknown>[] = [];
    await cutBy(
      async () => {
        assignment = await database.sql`
          delete from assignments where staff_id = ${identities.carer.staffId} and resident_id = ${residentId}
          returning *`;
      },
      () => database.sql`insert into assignments ${database.sql(assignment)}`,
    );
    await cutBy(
      () => database.sql`update staff set active = false where id = ${identities.carer.staffId}`,
      () => database.sql`update staff set active = true where id = ${identities.carer.staffId}`,
    );
  });

  test('discharging the resident ends running views and refuses new ones, managers’ included', async () => {
    const { service, database, cameraId, identities, residentId } = harness;
    const viewer = await watchWithNodeViewer(service, identities.manager, cameraId, 'discharge-1');
    await viewer.waitForPackets(5);
    await database.sql`update residents set status = 'discharged', discharged_at = now() where id = ${residentId}`;
    await service.recheckAccess();
    expect(errorCode(viewer)).toBe(3109);
    expect(ended(viewer)?.reason).toBe('access ended: resident discharged');
    expect(await stopRow(viewer.sessionId)).toMatchObject({ access: 'resident-discharged' });
    viewer.close();

    const refused = await watchWithNodeViewer(service, identities.admin, cameraId, 'discharge-2');
    expect(errorCode(refused)).toBe(3109);
    expect(service.stats()).toMatchObject({ sessions: 0, peers: 0 });
    refused.close();
  });

  test('the role comes from the database, not the token: a demoted manager loses manager-level access', async () => {
    const { service, database, cameraId, identities } = harness;
    // The token still says "manager" throughout; no open alert or grant exists for the resident.
    const viewer = await watchWithNodeViewer(service, identities.manager, cameraId, 'demoted-1');
    await viewer.waitForPackets(5);
    await database.sql`update staff set role = 'caregiver' where id = ${identities.manager.staffId}`;
    await service.recheckAccess();
    expect(ended(viewer)).toBeDefined();
    // Not assigned to the resident as a caregiver: the resident is not readable, like for any unassigned carer.
    expect(errorCode(viewer)).toBe(3100);
    viewer.close();

    const refused = await watchWithNodeViewer(service, identities.manager, cameraId, 'demoted-2');
    expect(errorCode(refused)).toBe(3100);
    refused.close();
    await database.sql`update staff set role = 'manager' where id = ${identities.manager.staffId}`;
    const restored = await watchWithNodeViewer(service, identities.manager, cameraId, 'demoted-3');
    await restored.waitForPackets(5);
    expect(errorCode(restored)).toBeUndefined();
    await service.signalling.disconnect('demoted-3');
    restored.close();
  });
});
