import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { raiseAlert } from '../../db/alerts/raise-alert';
import { type ApiHarness, startApiHarness } from '../../infra/testing/api-harness';

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
type Row = { id: string } & Record<string, unknown>;

describe('every CRUD route, happy path (Node server, real PostgreSQL)', () => {
  let h: ApiHarness;
  let admin: string;
  let manager: string;
  // raiseAlert uses postgres.js `tx.json`, which a client shared with drizzle cannot serialise: use a plain one.
  let plainSql: postgres.Sql;
  beforeAll(async () => {
    h = await startApiHarness();
    plainSql = postgres(h.database.url, { max: 1, onnotice: () => {} });
    admin = await h.tokenFor('own', 'admin');
    manager = await h.tokenFor('own', 'manager');
  });
  afterAll(async () => {
    await plainSql.end();
    await h.stop();
  });

  test('residents: register, list with filter/sort/cursor, profile, update, discharge keeps history, erase', async () => {
    const created = await h.request<Row>('POST', '/v1/residents', {
      token: manager,
      body: {
        name: '홍길순',
        birthDate: '1940-02-01',
        sex: 'female',
        emergencyContacts: [{ name: '홍민수', relation: 'son', phone: '010-1111-2222', guardian: true }],
        thresholds: { heartRate: { min: 55, max: 105 } },
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body).toMatchObject({ name: '홍길순', status: 'active', orgId: h.orgs.own.orgId });

    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/v1/residents?limit=2&sort=name&order=asc${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { status: number; body: Page<Row> } = await h.request<Page<Row>>('GET', query, { token: admin });
      expect(page.status).toBe(200);
      pages.push(...page.body.items.map((item) => String(item.name)));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(pages).toHaveLength(4);
    expect(pages).toEqual([...pages].sort());
    const search = await h.request<Page<Row>>('GET', '/v1/residents?q=길순', { token: admin });
    expect(search.body.items.map((item) => item.id)).toEqual([id]);

    const patched = await h.request<Row>('PATCH', `/v1/residents/${id}`, {
      token: manager,
      body: { phone: '010-3333-4444', presence: 'out' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ phone: '010-3333-4444', presence: 'out', name: '홍길순' });

    const discharged = await h.request<Row>('POST', `/v1/residents/${id}/discharge`, { token: manager });
    expect(discharged.status).toBe(200);
    expect(discharged.body.status).toBe('discharged');
    expect(discharged.body.dischargedAt).toBeTruthy();
    const stillThere = await h.request<Row>('GET', `/v1/residents/${id}`, { token: admin });
    expect(stillThere.body).toMatchObject({ id, status: 'discharged' });
    const activeOnly = await h.request<Page<Row>>('GET', '/v1/residents?status=active', { token: admin });
    expect(activeOnly.body.items.map((item) => item.id)).not.toContain(id);
    const again = await h.request('POST', `/v1/residents/${id}/discharge`, { token: manager });
    expect(again.status).toBe(409);
  });

  test('residents: profile lists assigned staff by escalation order and open alerts', async () => {
    const resident = h.orgs.own.residents[0];
    if (!resident) throw new Error('seed');
    await plainSql.begin((tx) =>
      raiseAlert(tx, {
        orgId: h.orgs.own.orgId,
        residentId: resident.id,
        kind: 'sos',
        severity: 'critical',
        dedupKey: `${resident.id}:sos`,
        title: 'Emergency button pressed',
      }),
    );
    const profile = await h.request<{
      assignedStaff: { staffId: string; escalationOrder: number }[];
      openAlerts: { kind: string; status: string }[];
    }>('GET', `/v1/residents/${resident.id}`, { token: admin });
    expect(profile.status).toBe(200);
    expect(profile.body.assignedStaff.map((person) => person.escalationOrder)).toEqual([1, 2]);
    expect(profile.body.openAlerts).toEqual([expect.objectContaining({ kind: 'sos', status: 'open' })]);
  });

  test('residents: admin erase deletes the resident and its sensor events explicitly, with an audit entry', async () => {
    const resident = h.orgs.own.residents[2];
    const hub = h.orgs.own.hubs[2];
    if (!resident || !hub) throw new Error('seed');
    await h.database.sql`
      insert into sensor_events (time, org_id, resident_id, hub_id, kind, event_id)
      values (now(), ${h.orgs.own.orgId}, ${resident.id}, ${hub.id}, 'activity', 'e1'),
             (now(), ${h.orgs.own.orgId}, ${resident.id}, ${hub.id}, 'door_open', 'e2')`;
    const erased = await h.request('DELETE', `/v1/residents/${resident.id}`, { token: admin });
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({ erased: true, sensorEventsDeleted: 2 });
    const [events] = await h.database
      .sql`select count(*)::int as n from sensor_events where resident_id = ${resident.id}`;
    expect(events?.n).toBe(0);
    expect((await h.request('GET', `/v1/residents/${resident.id}`, { token: admin })).status).toBe(404);
    const [audit] = await h.database.sql`
      select action, actor_id, details from audit_log where target_id = ${resident.id}`;
    expect(audit).toMatchObject({ action: 'resident.erase', actor_id: h.loginOf('own', 'admin').staffId });
  });

  test('staff: create, list (filters), get, update, deactivate', async () => {
    const created = await h.request<Row>('POST', '/v1/staff', {
      token: manager,
      body: {
        name: '생활지원사 Park',
        email: 'Park@North.Carewatch.Test',
        role: 'caregiver',
        password: 'twelve chars ok',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'park@north.carewatch.test', active: true });
    expect(created.body).not.toHaveProperty('passwordHash');
    const carers = await h.request<Page<Row>>('GET', '/v1/staff?role=caregiver&sort=email', { token: manager });
    expect(carers.body.items.map((item) => item.email)).toEqual([
      'carer1@north.carewatch.test',
      'carer2@north.carewatch.test',
      'park@north.carewatch.test',
    ]);
    const one = await h.request<Row>('GET', `/v1/staff/${created.body.id}`, { token: manager });
    expect(one.body.name).toBe('생활지원사 Park');
    const renamed = await h.request<Row>('PATCH', `/v1/staff/${created.body.id}`, {
      token: manager,
      body: { name: 'Park Ji-min', phone: '010-9999-0000' },
    });
    expect(renamed.body).toMatchObject({ name: 'Park Ji-min', phone: '010-9999-0000' });
    const off = await h.request<Row>('DELETE', `/v1/staff/${created.body.id}`, { token: admin });
    expect(off.body.active).toBe(false);
    const inactive = await h.request<Page<Row>>('GET', '/v1/staff?active=false', { token: manager });
    expect(inactive.body.items.map((item) => item.id)).toEqual([created.body.id]);
  });

  test('assignments: create with escalation order, list by resident, update, delete', async () => {
    const resident = h.orgs.own.residents[1];
    const managerId = h.loginOf('own', 'manager').staffId;
    if (!resident) throw new Error('seed');
    const created = await h.request<Row>('POST', '/v1/assignments', {
      token: manager,
      body: { staffId: managerId, residentId: resident.id, escalationOrder: 3 },
    });
    expect(created.status).toBe(201);
    const list = await h.request<Page<Row>>(`GET`, `/v1/assignments?residentId=${resident.id}&sort=escalationOrder`, {
      token: manager,
    });
    expect(list.body.items.map((item) => item.escalationOrder)).toEqual([1, 2, 3]);
    const got = await h.request<Row>('GET', `/v1/assignments/${created.body.id}`, { token: manager });
    expect(got.body.staffId).toBe(managerId);
    const moved = await h.request<Row>('PATCH', `/v1/assignments/${created.body.id}`, {
      token: manager,
      body: { escalationOrder: 4 },
    });
    expect(moved.body.escalationOrder).toBe(4);
    const duplicate = await h.request('POST', '/v1/assignments', {
      token: manager,
      body: { staffId: managerId, residentId: resident.id },
    });
    expect(duplicate.status).toBe(409);
    expect((await h.request('DELETE', `/v1/assignments/${created.body.id}`, { token: manager })).status).toBe(204);
    expect((await h.request('GET', `/v1/assignments/${created.body.id}`, { token: manager })).status).toBe(404);
  });

  test('hubs: create returns the key once and it authenticates as a hub hash; rotate replaces it; delete', async () => {
    const resident = h.orgs.own.residents[1];
    if (!resident) throw new Error('seed');
    const created = await h.request<{ hub: Row; apiKey: string }>('POST', '/v1/hubs', {
      token: manager,
      body: { name: 'Spare hub', residentId: resident.id },
    });
    expect(created.status).toBe(201);
    expect(created.body.apiKey).toMatch(/^cwh_/);
    expect(created.body.hub).not.toHaveProperty('apiKeyHash');
    expect(created.body.apiKey.startsWith(String(created.body.hub.apiKeyPrefix))).toBe(true);
    const got = await h.request<Row>('GET', `/v1/hubs/${created.body.hub.id}`, { token: manager });
    expect(got.body).not.toHaveProperty('apiKey');
    const list = await h.request<Page<Row>>(`GET`, `/v1/hubs?residentId=${resident.id}`, { token: manager });
    expect(list.body.items).toHaveLength(2);
    const renamed = await h.request<Row>('PATCH', `/v1/hubs/${created.body.hub.id}`, {
      token: manager,
      body: { name: 'Hall hub', residentId: null },
    });
    expect(renamed.body).toMatchObject({ name: 'Hall hub', residentId: null });

    const rotated = await h.request<{ hub: Row; apiKey: string }>(
      'POST',
      `/v1/hubs/${created.body.hub.id}/rotate-key`,
      {
        token: manager,
      },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.apiKey).not.toBe(created.body.apiKey);
    const [stored] = await h.database.sql`select api_key_hash from hubs where id = ${created.body.hub.id}`;
    const { hashHubKey } = await import('../../core/auth/hub-key');
    expect(stored?.api_key_hash).toBe(await hashHubKey(rotated.body.apiKey));
    const [audit] = await h.database.sql`
      select action from audit_log where target_id = ${created.body.hub.id} and action = 'hub.rotate_key'`;
    expect(audit).toBeTruthy();
    expect((await h.request('DELETE', `/v1/hubs/${created.body.hub.id}`, { token: manager })).status).toBe(204);
  });

  test('devices: add to a hub, filter by kind, mark inspected, delete', async () => {
    const hub = h.orgs.own.hubs[0];
    if (!hub) throw new Error('seed');
    const created = await h.request<Row>('POST', '/v1/devices', {
      token: manager,
      body: { hubId: hub.id, kind: 'temperature', room: 'bedroom' },
    });
    expect(created.status).toBe(201);
    const list = await h.request<Page<Row>>(`GET`, `/v1/devices?hubId=${hub.id}&kind=temperature`, { token: manager });
    expect(list.body.items.map((item) => item.id)).toEqual([created.body.id]);
    await h.database
      .sql`update devices set false_alarm_count = 4, needs_inspection = true where id = ${created.body.id}`;
    const flagged = await h.request<Page<Row>>('GET', '/v1/devices?needsInspection=true', { token: manager });
    expect(flagged.body.items.map((item) => item.id)).toEqual([created.body.id]);
    const inspected = await h.request<Row>('PATCH', `/v1/devices/${created.body.id}`, {
      token: manager,
      body: { needsInspection: false, label: 'Bedroom thermometer' },
    });
    expect(inspected.body).toMatchObject({ needsInspection: false, falseAlarmCount: 0, label: 'Bedroom thermometer' });
    expect((await h.request('GET', `/v1/devices/${created.body.id}`, { token: manager })).status).toBe(200);
    expect((await h.request('DELETE', `/v1/devices/${created.body.id}`, { token: manager })).status).toBe(204);
  });

  test('cameras: consent is recorded and withdrawn with audit entries', async () => {
    const resident = h.orgs.own.residents[1];
    if (!resident) throw new Error('seed');
    const created = await h.request<Row>('POST', '/v1/cameras', {
      token: manager,
      body: {
        residentId: resident.id,
        name: 'Bedroom camera',
        source: { type: 'rtp', port: 5004 },
        consentGivenBy: '이영호 (resident)',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      consentGivenBy: '이영호 (resident)',
      consentRecordedBy: h.loginOf('own', 'manager').staffId,
    });
    expect(created.body.consentRecordedAt).toBeTruthy();
    const withdrawn = await h.request<Row>('PATCH', `/v1/cameras/${created.body.id}`, {
      token: manager,
      body: { consentGivenBy: null, enabled: false },
    });
    expect(withdrawn.body).toMatchObject({ consentGivenBy: null, consentRecordedBy: null, enabled: false });
    const audit = await h.database.sql`
      select action from audit_log where target_id = ${created.body.id} order by id`;
    expect(audit.map((row) => row.action)).toEqual(['camera.consent_recorded', 'camera.consent_withdrawn']);
    const list = await h.request<Page<Row>>(`GET`, `/v1/cameras?residentId=${resident.id}`, { token: manager });
    expect(list.body.items.map((item) => item.id)).toEqual([created.body.id]);
    expect((await h.request('GET', `/v1/cameras/${created.body.id}`, { token: manager })).status).toBe(200);
    expect((await h.request('DELETE', `/v1/cameras/${created.body.id}`, { token: manager })).status).toBe(204);
  });

  test('alerts: list (filters, newest first) and get; caregivers see only their residents’ alerts', async () => {
    const [first, second] = h.orgs.own.residents;
    if (!first || !second) throw new Error('seed');
    const raised = await plainSql.begin((tx) =>
      raiseAlert(tx, {
        orgId: h.orgs.own.orgId,
        residentId: second.id,
        kind: 'fire',
        severity: 'critical',
        dedupKey: `${second.id}:fire`,
        title: 'Fire detected',
      }),
    );
    const all = await h.request<Page<Row>>('GET', '/v1/alerts?status=open', { token: admin });
    expect(all.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThanOrEqual(1);
    const fire = await h.request<Page<Row>>('GET', '/v1/alerts?kind=fire', { token: admin });
    expect(fire.body.items.map((item) => item.id)).toEqual([raised.alertId]);
    const one = await h.request<Row>('GET', `/v1/alerts/${raised.alertId}`, { token: admin });
    expect(one.body).toMatchObject({ kind: 'fire', residentId: second.id, severity: 'critical' });

    // In the demo organisation carer1 backs up resident 1, so sees its alert; nobody is assigned to a new resident.
    const lonely = await h.request<Row>('POST', '/v1/residents', { token: manager, body: { name: 'Unassigned' } });
    const hidden = await plainSql.begin((tx) =>
      raiseAlert(tx, {
        orgId: h.orgs.own.orgId,
        residentId: lonely.body.id,
        kind: 'gas',
        severity: 'critical',
        dedupKey: `${lonely.body.id}:gas`,
        title: 'Gas detected',
      }),
    );
    const carer = await h.tokenFor('own', 'caregiver');
    const seen = await h.request<Page<Row>>('GET', '/v1/alerts', { token: carer });
    expect(seen.status).toBe(200);
    const seenIds = seen.body.items.map((item) => item.id);
    expect(seenIds).toContain(raised.alertId);
    expect(seenIds).not.toContain(hidden.alertId);
    expect((await h.request('GET', `/v1/alerts/${hidden.alertId}`, { token: carer })).status).toBe(404);
    const adminSees = await h.request<Page<Row>>('GET', '/v1/alerts', { token: admin });
    expect(adminSees.body.items.map((item) => item.id)).toContain(hidden.alertId);
  });

  test('/healthz and /openapi.json answer without a token', async () => {
    expect((await h.request('GET', '/healthz')).status).toBe(200);
    expect((await h.request('GET', '/openapi.json')).status).toBe(200);
  });
});
