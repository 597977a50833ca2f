import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { StaffRole } from '../../core/auth/access-token';
import { raiseAlert } from '../../db/alerts/raise-alert';
import { type ApiHarness, type OrgKey, startApiHarness } from '../../infra/testing/api-harness';

type Ids = Record<OrgKey, string>;
interface Resource {
  name: string;
  path: string;
  read: readonly StaffRole[];
  write: readonly StaffRole[];
  remove: readonly StaffRole[];
  update?: Record<string, unknown>;
}

const all = ['admin', 'manager', 'caregiver'] as const;
const managers = ['admin', 'manager'] as const;
const resources: Resource[] = [
  {
    name: 'residents',
    path: '/v1/residents',
    read: all,
    write: managers,
    remove: ['admin'],
    update: { careNotes: 'x' },
  },
  {
    name: 'staff',
    path: '/v1/staff',
    read: managers,
    write: managers,
    remove: ['admin'],
    update: { phone: '010-1234-0000' },
  },
  {
    name: 'assignments',
    path: '/v1/assignments',
    read: managers,
    write: managers,
    remove: managers,
    update: { escalationOrder: 2 },
  },
  {
    name: 'hubs',
    path: '/v1/hubs',
    read: managers,
    write: managers,
    remove: managers,
    update: { name: 'Renamed hub' },
  },
  {
    name: 'devices',
    path: '/v1/devices',
    read: managers,
    write: managers,
    remove: managers,
    update: { label: 'Label' },
  },
  { name: 'cameras', path: '/v1/cameras', read: managers, write: managers, remove: managers, update: { room: 'hall' } },
  { name: 'alerts', path: '/v1/alerts', read: all, write: [], remove: [] },
  {
    name: 'webhook-endpoints',
    path: '/v1/webhook-endpoints',
    read: ['admin'],
    write: ['admin'],
    remove: ['admin'],
    update: { name: 'Renamed gateway' },
  },
  { name: 'teams', path: '/v1/teams', read: all, write: ['admin'], remove: ['admin'], update: { description: 'x' } },
];
const roles: StaffRole[] = ['admin', 'manager', 'caregiver'];
const orgKeys: OrgKey[] = ['own', 'other'];

const cases = resources.flatMap((resource) =>
  roles.flatMap((role) => orgKeys.map((org) => ({ resource: resource.name, role, org, spec: resource }))),
);

describe('authorisation matrix: role × resource × own/other organisation (Node server, real PostgreSQL)', () => {
  let h: ApiHarness;
  const ids = new Map<string, Ids>();
  const otherOrgIds = new Set<string>();
  let unassigned: { residentId: string; alertId: string };
  const throwaway: { residents: Partial<Record<StaffRole, string>>; hub: string } = { residents: {}, hub: '' };
  beforeAll(async () => {
    h = await startApiHarness();
    const plain = postgres(h.database.url, { max: 1, onnotice: () => {} });
    for (const org of orgKeys) {
      const seeded = h.orgs[org];
      const resident = seeded.residents[0];
      const hub = seeded.hubs[0];
      if (!resident || !hub) throw new Error('seed');
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
      const [assignment] =
        await plain`select id from assignments where resident_id = ${resident.id} order by escalation_order limit 1`;
      const endpoint = await h.request<{ endpoint: { id: string } }>('POST', '/v1/webhook-endpoints', {
        token: await h.tokenFor(org, 'admin'),
        body: { name: `Gateway of ${org}`, url: `https://sms-${org}.example.org/hook` },
      });
      const team = await h.request<{ id: string }>('POST', '/v1/teams', {
        token: await h.tokenFor(org, 'admin'),
        body: { name: `Night desk of ${org}` },
      });
      const row: Record<string, string> = {
        residents: resident.id,
        staff: h.loginOf(org, 'caregiver2').staffId,
        assignments: String(assignment?.id),
        hubs: hub.id,
        devices: hub.devices.activity ?? '',
        cameras: seeded.cameraId,
        alerts: alert.alertId,
        'webhook-endpoints': endpoint.body.endpoint.id,
        teams: team.body.id,
      };
      for (const [name, id] of Object.entries(row)) {
        const entry = ids.get(name) ?? ({} as Ids);
        entry[org] = id;
        ids.set(name, entry);
      }
    }
    // Caregiver scope: an own-org resident nobody is assigned to, with an open alert.
    const admin = await h.tokenFor('own', 'admin');
    const created = await h.request<{ id: string }>('POST', '/v1/residents', {
      token: admin,
      body: { name: 'Nobody assigned' },
    });
    const hiddenAlert = await plain.begin((tx) =>
      raiseAlert(tx, {
        orgId: h.orgs.own.orgId,
        residentId: created.body.id,
        kind: 'gas',
        severity: 'critical',
        dedupKey: `${created.body.id}:gas`,
        title: 'Gas detected',
      }),
    );
    unassigned = { residentId: created.body.id, alertId: hiddenAlert.alertId };
    await plain.end();
    // Throwaway rows for the actions that change state (one resident to discharge per role, one hub to rotate), so
    // the seeded rows other tests read stay as they are.
    for (const role of roles) {
      const resident = await h.request<{ id: string }>('POST', '/v1/residents', {
        token: admin,
        body: { name: `To discharge by ${role}` },
      });
      throwaway.residents[role] = resident.body.id;
    }
    throwaway.hub = (
      await h.request<{ hub: { id: string } }>('POST', '/v1/hubs', { token: admin, body: { name: 'Rotation hub' } })
    ).body.hub.id;
    const otherRows = await h.database.sql`
      select id::text from residents where org_id = ${h.orgs.other.orgId}
      union all select id::text from staff where org_id = ${h.orgs.other.orgId}
      union all select id::text from hubs where org_id = ${h.orgs.other.orgId}
      union all select id::text from devices where org_id = ${h.orgs.other.orgId}
      union all select id::text from cameras where org_id = ${h.orgs.other.orgId}
      union all select id::text from assignments where org_id = ${h.orgs.other.orgId}
      union all select id::text from alerts where org_id = ${h.orgs.other.orgId}
      union all select id::text from webhook_endpoints where org_id = ${h.orgs.other.orgId}`;
    for (const row of otherRows) otherOrgIds.add(String(row.id));
  });
  afterAll(() => h.stop());

  const idOf = (resource: string, org: OrgKey) => {
    const id = ids.get(resource)?.[org];
    if (!id) throw new Error(`no ${resource} id for ${org}`);
    return id;
  };

  const ownSeed = () => {
    const [, second, third] = h.orgs.own.residents;
    const hub = h.orgs.own.hubs[0];
    if (!second || !third || !hub) throw new Error('seed');
    return { second: second.id, third: third.id, hub: hub.id };
  };
  /** A valid create body per resource: own-org ids only, and unique per role (staff emails, staff × resident). */
  const createBodies: Record<string, (role: StaffRole) => Record<string, unknown>> = {
    residents: (role) => ({ name: `Registered by ${role}` }),
    staff: (role) => ({
      name: `Hired by ${role}`,
      email: `hired-by-${role}@north.carewatch.test`,
      role: 'caregiver',
      password: 'twelve chars ok',
    }),
    assignments: (role) => ({
      staffId: h.loginOf('own', role === 'caregiver' ? 'admin' : role).staffId,
      residentId: role === 'caregiver' ? ownSeed().third : ownSeed().second,
      escalationOrder: 3,
    }),
    hubs: (role) => ({ name: `Hub by ${role}`, residentId: ownSeed().second }),
    devices: (role) => ({ hubId: ownSeed().hub, kind: 'temperature', label: `Added by ${role}` }),
    cameras: (role) => ({ residentId: ownSeed().second, name: `Camera by ${role}`, source: { type: 'test-pattern' } }),
    'webhook-endpoints': (role) => ({ name: `Gateway by ${role}`, url: 'https://voice.example.org/carewatch' }),
    teams: (role) => ({ name: `Team by ${role}` }),
  };

  test.each(cases.filter((entry) => entry.org === 'own' && entry.resource in createBodies))(
    '$role creates $resource',
    async ({ spec, role }) => {
      const token = await h.tokenFor('own', role);
      const body = createBodies[spec.name]?.(role);
      const response = await h.request<{ orgId?: string; hub?: { orgId: string }; endpoint?: { orgId: string } }>(
        'POST',
        spec.path,
        {
          token,
          body,
        },
      );
      const allowed = spec.write.includes(role);
      expect(response.status, JSON.stringify(response.body)).toBe(allowed ? 201 : 403);
      if (allowed) expect((response.body.hub ?? response.body.endpoint ?? response.body).orgId).toBe(h.orgs.own.orgId);
      else expect(response.headers.get('content-type')).toBe('application/problem+json');
    },
  );

  const actions = [
    {
      action: 'discharges a resident',
      allowed: managers as readonly StaffRole[],
      path: (role: StaffRole, org: OrgKey) =>
        `/v1/residents/${org === 'own' ? throwaway.residents[role] : idOf('residents', 'other')}/discharge`,
      done: (body: Record<string, unknown>) => expect(body.status).toBe('discharged'),
    },
    {
      action: 'rotates a hub key',
      allowed: managers as readonly StaffRole[],
      path: (_role: StaffRole, org: OrgKey) =>
        `/v1/hubs/${org === 'own' ? throwaway.hub : idOf('hubs', 'other')}/rotate-key`,
      done: (body: Record<string, unknown>) => expect(body.apiKey).toMatch(/^cwh_/),
    },
  ];
  const actionCases = actions.flatMap((spec) =>
    roles.flatMap((role) => orgKeys.map((org) => ({ action: spec.action, role, org, spec }))),
  );

  test.each(actionCases)('$role $action in $org org', async ({ spec, role, org }) => {
    const token = await h.tokenFor('own', role);
    const response = await h.request<Record<string, unknown>>('POST', spec.path(role, org), { token });
    const expected = !spec.allowed.includes(role) ? 403 : org === 'other' ? 404 : 200;
    expect(response.status).toBe(expected);
    expect(JSON.stringify(response.body)).not.toContain(h.orgs.other.orgId);
    if (expected === 200) spec.done(response.body);
    else expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  const analyticsCases = (['timeline', 'activity'] as const).flatMap((view) =>
    roles.flatMap((role) => orgKeys.map((org) => ({ view, role, org }))),
  );

  test.each(analyticsCases)('$role reads the $view of a resident in $org org', async ({ view, role, org }) => {
    const token = await h.tokenFor('own', role);
    const response = await h.request('GET', `/v1/residents/${idOf('residents', org)}/${view}`, { token });
    expect(response.status).toBe(org === 'other' ? 404 : 200);
    expect(JSON.stringify(response.body)).not.toContain(h.orgs.other.orgId);
    if (org === 'other') expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  test.each(roles)('%s ranks at-risk residents of the own organisation only', async (role) => {
    const token = await h.tokenFor('own', role);
    const response = await h.request<{ residents: { residentId: string }[] }>(
      'GET',
      '/v1/analytics/at-risk?limit=200',
      {
        token,
      },
    );
    expect(response.status).toBe(200);
    const ranked = response.body.residents.map((resident) => resident.residentId);
    expect(ranked).toContain(idOf('residents', 'own'));
    for (const id of ranked) expect(otherOrgIds.has(id)).toBe(false);
    expect(ranked.includes(unassigned.residentId)).toBe(role !== 'caregiver');
  });

  test.each([
    ['caregiver', false],
    ['caregiver2', false],
    ['manager', true],
    ['admin', true],
  ] as const)('%s lists and reads an unassigned resident and its alert: %s', async (role, sees) => {
    const token = await h.tokenFor('own', role);
    const residentList = await h.request<{ items: { id: string }[] }>('GET', '/v1/residents?limit=100', { token });
    expect(residentList.status).toBe(200);
    expect(residentList.body.items.map((item) => item.id).includes(unassigned.residentId)).toBe(sees);
    const alertList = await h.request<{ items: { id: string }[] }>('GET', '/v1/alerts?limit=100', { token });
    expect(alertList.status).toBe(200);
    expect(alertList.body.items.map((item) => item.id).includes(unassigned.alertId)).toBe(sees);
    for (const path of [
      `/v1/residents/${unassigned.residentId}`,
      `/v1/alerts/${unassigned.alertId}`,
      `/v1/residents/${unassigned.residentId}/timeline`,
      `/v1/residents/${unassigned.residentId}/activity`,
    ]) {
      const response = await h.request('GET', path, { token });
      expect(response.status, path).toBe(sees ? 200 : 404);
    }
  });

  test.each(cases)('$role reads one of $resource in $org org', async ({ spec, role, org }) => {
    const token = await h.tokenFor('own', role);
    const response = await h.request('GET', `${spec.path}/${idOf(spec.name, org)}`, { token });
    const expected = !spec.read.includes(role) ? 403 : org === 'other' ? 404 : 200;
    expect(response.status).toBe(expected);
    expect(JSON.stringify(response.body)).not.toContain(h.orgs.other.orgId);
    if (expected !== 200) expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  test.each(cases.filter((entry) => entry.org === 'own'))(
    '$role lists $resource: own org only',
    async ({ spec, role }) => {
      const token = await h.tokenFor('own', role);
      const response = await h.request<{ items: { id: string; orgId: string }[] }>('GET', `${spec.path}?limit=100`, {
        token,
      });
      if (!spec.read.includes(role)) {
        expect(response.status).toBe(403);
        return;
      }
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeGreaterThan(0);
      for (const item of response.body.items) {
        expect(item.orgId).toBe(h.orgs.own.orgId);
        expect(otherOrgIds.has(item.id)).toBe(false);
      }
    },
  );

  test.each(cases.filter((entry) => entry.spec.update))(
    '$role updates $resource in $org org',
    async ({ spec, role, org }) => {
      const token = await h.tokenFor('own', role);
      const response = await h.request('PATCH', `${spec.path}/${idOf(spec.name, org)}`, { token, body: spec.update });
      const expected = !spec.write.includes(role) ? 403 : org === 'other' ? 404 : 200;
      expect(response.status).toBe(expected);
    },
  );

  test.each(cases.filter((entry) => entry.org === 'other' && entry.spec.update))(
    '$role deletes $resource of the other org',
    async ({ spec, role }) => {
      const token = await h.tokenFor('own', role);
      const response = await h.request('DELETE', `${spec.path}/${idOf(spec.name, 'other')}`, { token });
      expect(response.status).toBe(spec.remove.includes(role) ? 404 : 403);
    },
  );

  test('the other organisation’s rows are untouched after the whole matrix', async () => {
    const [counts] = await h.database.sql`
      select (select count(*)::int from residents where org_id = ${h.orgs.other.orgId}) as residents,
             (select count(*)::int from staff where org_id = ${h.orgs.other.orgId} and active) as staff,
             (select count(*)::int from hubs where org_id = ${h.orgs.other.orgId}) as hubs,
             (select count(*)::int from cameras where org_id = ${h.orgs.other.orgId}) as cameras,
             (select count(*)::int from residents where org_id = ${h.orgs.other.orgId} and care_notes = 'x') as changed,
             (select count(*)::int from residents where org_id = ${h.orgs.other.orgId} and status = 'discharged')
               as discharged`;
    expect(counts).toEqual({ residents: 2, staff: 4, hubs: 2, cameras: 1, changed: 0, discharged: 0 });
  });

  test('ids of another organisation in a body are refused like unknown ids', async () => {
    const token = await h.tokenFor('own', 'admin');
    const assignment = await h.request('POST', '/v1/assignments', {
      token,
      body: { staffId: idOf('staff', 'other'), residentId: idOf('residents', 'own') },
    });
    expect(assignment.status).toBe(422);
    expect(assignment.body).toMatchObject({
      errors: [{ field: 'body.staffId', message: 'does not exist in your organisation' }],
    });
    const camera = await h.request('POST', '/v1/cameras', {
      token,
      body: { residentId: idOf('residents', 'other'), name: 'x', source: { type: 'test-pattern' } },
    });
    expect(camera.status).toBe(422);
    const hub = await h.request('POST', '/v1/hubs', {
      token,
      body: { name: 'x', residentId: idOf('residents', 'other') },
    });
    expect(hub.status).toBe(422);
  });

  test('managers cannot create or promote admins', async () => {
    const token = await h.tokenFor('own', 'manager');
    const create = await h.request('POST', '/v1/staff', {
      token,
      body: { name: 'Boss', email: 'boss@north.carewatch.test', role: 'admin', password: 'twelve chars ok' },
    });
    expect(create.status).toBe(403);
    const promote = await h.request('PATCH', `/v1/staff/${idOf('staff', 'own')}`, { token, body: { role: 'admin' } });
    expect(promote.status).toBe(403);
    const adminId = h.loginOf('own', 'admin').staffId;
    expect((await h.request('PATCH', `/v1/staff/${adminId}`, { token, body: { phone: '010-0000-0000' } })).status).toBe(
      403,
    );
  });

  test('only admins deactivate, reactivate or set the password of other staff; managers change their own', async () => {
    const admin = await h.tokenFor('own', 'admin');
    const manager = await h.tokenFor('own', 'manager');
    const carer = h.loginOf('own', 'caregiver2');
    for (const body of [{ active: false }, { active: true }, { password: 'a manager-chosen password' }]) {
      const refused = await h.request<{ detail: string }>('PATCH', `/v1/staff/${carer.staffId}`, {
        token: manager,
        body,
      });
      expect(refused.status, JSON.stringify(body)).toBe(403);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(refused.body).toMatchObject({ code: 'FORBIDDEN', detail: expect.stringContaining('Only admins') });
    }
    const [after] = await h.database.sql`select active from staff where id = ${carer.staffId}`;
    expect(after?.active).toBe(true);
    const unchanged = await h.request('POST', '/v1/auth/login', {
      body: { email: carer.email, password: carer.password },
    });
    expect(unchanged.status).toBe(200);

    // A throwaway manager, so the harness's demo logins keep their passwords.
    const password = 'first manager password';
    const created = await h.request<{ id: string }>('POST', '/v1/staff', {
      token: admin,
      body: { name: 'Temp manager', email: 'temp.manager@north.carewatch.test', role: 'manager', password },
    });
    expect(created.status).toBe(201);
    const login = (secret: string) =>
      h.request<{ accessToken: string }>('POST', '/v1/auth/login', {
        body: { email: 'temp.manager@north.carewatch.test', password: secret },
      });
    const session = await login(password);
    const own = await h.request('PATCH', `/v1/staff/${created.body.id}`, {
      token: session.body.accessToken,
      body: { password: 'second manager password' },
    });
    expect(own.status).toBe(200);
    expect((await login('second manager password')).status).toBe(200);
    expect((await login(password)).status).toBe(401);

    const off = await h.request<{ active: boolean }>('PATCH', `/v1/staff/${created.body.id}`, {
      token: admin,
      body: { active: false },
    });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
  });

  const everyRoute: [string, string][] = [
    ['GET', '/v1/me'],
    ['PATCH', '/v1/me'],
    ['GET', '/v1/me/push-subscriptions'],
    ['POST', '/v1/me/push-subscriptions'],
    ['DELETE', '/v1/me/push-subscriptions/00000000-0000-4000-8000-000000000000'],
    ['GET', '/v1/alerts/00000000-0000-4000-8000-000000000000/attempts'],
    ['GET', '/v1/alerts/00000000-0000-4000-8000-000000000000/history'],
    ['POST', '/v1/alerts/00000000-0000-4000-8000-000000000000/ack'],
    ['POST', '/v1/alerts/00000000-0000-4000-8000-000000000000/resolve'],
    ['POST', '/v1/alerts/00000000-0000-4000-8000-000000000000/notes'],
    ['GET', '/v1/reports/alert-audit'],
    ['GET', '/v1/reports/response-times'],
    ['GET', '/v1/escalation-policies'],
    ['PUT', '/v1/escalation-policies/00000000-0000-4000-8000-000000000000'],
    ['DELETE', '/v1/escalation-policies/00000000-0000-4000-8000-000000000000'],
    ['GET', '/v1/organisation/settings'],
    ['GET', '/v1/alert-texts'],
    ['PATCH', '/v1/organisation/settings'],
    ['POST', '/v1/webhook-endpoints/00000000-0000-4000-8000-000000000000/rotate-secret'],
    ['GET', '/v1/notification-rules'],
    ['PUT', '/v1/notification-rules/organisation/00000000-0000-4000-8000-000000000000'],
    ['DELETE', '/v1/notification-rules/organisation/00000000-0000-4000-8000-000000000000'],
    ['PUT', '/v1/notification-rules/staff/00000000-0000-4000-8000-000000000000/00000000-0000-4000-8000-000000000000'],
    [
      'DELETE',
      '/v1/notification-rules/staff/00000000-0000-4000-8000-000000000000/00000000-0000-4000-8000-000000000000',
    ],
    ['POST', '/v1/auth/logout'],
    ...resources.flatMap((resource): [string, string][] => [
      ['GET', resource.path],
      ['GET', `${resource.path}/00000000-0000-4000-8000-000000000000`],
      ...(resource.update
        ? ([
            ['POST', resource.path],
            ['PATCH', `${resource.path}/00000000-0000-4000-8000-000000000000`],
            ['DELETE', `${resource.path}/00000000-0000-4000-8000-000000000000`],
          ] as [string, string][])
        : []),
    ]),
    ['POST', '/v1/residents/00000000-0000-4000-8000-000000000000/discharge'],
    ['GET', '/v1/residents/00000000-0000-4000-8000-000000000000/timeline'],
    ['GET', '/v1/residents/00000000-0000-4000-8000-000000000000/activity'],
    ['GET', '/v1/analytics/at-risk'],
    ['POST', '/v1/hubs/00000000-0000-4000-8000-000000000000/rotate-key'],
    ['GET', '/v1/alerts/00000000-0000-4000-8000-000000000000/media'],
    ['GET', '/v1/alerts/00000000-0000-4000-8000-000000000000/snapshot'],
    ['GET', '/v1/alerts/00000000-0000-4000-8000-000000000000/clip'],
    ['GET', '/v1/cameras/00000000-0000-4000-8000-000000000000/grants'],
    ['POST', '/v1/cameras/00000000-0000-4000-8000-000000000000/grants'],
    ['DELETE', '/v1/cameras/00000000-0000-4000-8000-000000000000/grants/00000000-0000-4000-8000-000000000000'],
    ['GET', '/v1/on-call'],
    ['GET', '/v1/teams/00000000-0000-4000-8000-000000000000/on-call'],
    ['GET', '/v1/teams/00000000-0000-4000-8000-000000000000/rotations'],
    ['POST', '/v1/teams/00000000-0000-4000-8000-000000000000/rotations'],
    ['GET', '/v1/teams/00000000-0000-4000-8000-000000000000/rotations/00000000-0000-4000-8000-000000000000'],
    ['PATCH', '/v1/teams/00000000-0000-4000-8000-000000000000/rotations/00000000-0000-4000-8000-000000000000'],
    ['DELETE', '/v1/teams/00000000-0000-4000-8000-000000000000/rotations/00000000-0000-4000-8000-000000000000'],
    ['GET', '/v1/teams/00000000-0000-4000-8000-000000000000/overrides'],
    ['POST', '/v1/teams/00000000-0000-4000-8000-000000000000/overrides'],
    ['DELETE', '/v1/teams/00000000-0000-4000-8000-000000000000/overrides/00000000-0000-4000-8000-000000000000'],
  ];

  test('that list is every operation the OpenAPI document says takes a staff token', async () => {
    type Operations = Record<string, { security?: Record<string, unknown>[] }>;
    const spec = await h.request<{ paths: Record<string, Operations> }>('GET', '/openapi.json');
    const documented = Object.entries(spec.body.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => operation.security?.some((scheme) => 'bearerAuth' in scheme))
        .map(
          ([method]) => `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000')}`,
        ),
    );
    expect(documented.length).toBeGreaterThan(30);
    expect(new Set(everyRoute.map(([method, path]) => `${method} ${path}`))).toEqual(new Set(documented));
  });

  test.each(everyRoute)('%s %s without a token is 401; with a forged token too', async (method, path) => {
    const none = await h.request(method, path, { body: method === 'GET' ? undefined : {} });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const { sign } = await import('hono/jwt');
    const forged = await sign(
      { sub: h.loginOf('own', 'admin').staffId, org: h.orgs.own.orgId, role: 'admin', iat: 0, exp: 4_000_000_000 },
      'a-secret-that-is-not-the-server-secret-at-all',
      'HS256',
    );
    const withForged = await h.request(method, path, { token: forged, body: method === 'GET' ? undefined : {} });
    expect(withForged.status).toBe(401);
  });
});
