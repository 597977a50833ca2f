import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiHarness, startApiHarness } from '../../../infra/testing/api-harness';

interface OnCall {
  at: string;
  timeZone: string;
  localTime: string;
  teams: {
    id: string;
    name: string;
    onCall: { staffId: string; rotationId: string | null; overrideId: string | null }[];
  }[];
}
interface Gap {
  from: { day: string; time: string };
  to: { day: string; time: string };
  minutes: number;
}
interface Problem {
  status: number;
  code: string;
  errors?: { field: string; message: string }[];
  current?: Record<string, unknown>;
}

const weeknights = ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({
  day,
  start: '18:00',
  end: '09:00',
  endsNextDay: true,
}));

describe('on-call schedules over the API', () => {
  let h: ApiHarness;
  let admin = '';
  let manager = '';
  let caregiver = '';
  const staffOf = (role: 'admin' | 'manager' | 'caregiver', nth = 0) =>
    h.orgs.own.logins.filter((login) => login.role === role)[nth]?.staffId ?? '';

  beforeAll(async () => {
    h = await startApiHarness();
    admin = await h.tokenFor('own', 'admin');
    manager = await h.tokenFor('own', 'manager');
    caregiver = await h.tokenFor('own', 'caregiver');
  });
  afterAll(() => h?.stop());

  const onCallAt = async (at: string, teamId?: string) => {
    const path = teamId ? `/v1/teams/${teamId}/on-call` : '/v1/on-call';
    const answer = await h.request<OnCall>('GET', `${path}?at=${encodeURIComponent(at)}`, { token: caregiver });
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const whoAt = async (teamId: string, at: string) =>
    (await onCallAt(at, teamId)).teams[0]?.onCall.map((person) => person.staffId) ?? [];
  const countRows = async (table: 'teams' | 'on_call_rotations' | 'on_call_overrides') =>
    (await h.database.sql<{ n: number }[]>`select count(*)::int as n from ${h.database.sql(table)}`)[0]?.n ?? 0;

  test('teams: admins write, everyone reads, names are unique, other organisations see nothing', async () => {
    const created = await h.request<{ id: string; coverageGaps: Gap[] }>('POST', '/v1/teams', {
      token: admin,
      body: { name: 'Night desk', description: 'Answers alerts at night' },
    });
    expect(created.status).toBe(201);
    // No rotation yet: the whole week is one gap.
    expect(created.body.coverageGaps).toEqual([
      { from: { day: 'mon', time: '00:00' }, to: { day: 'mon', time: '00:00' }, minutes: 10_080 },
    ]);
    expect((await h.request('POST', '/v1/teams', { token: admin, body: { name: 'Night desk' } })).status).toBe(409);
    expect((await h.request('POST', '/v1/teams', { token: manager, body: { name: 'Day' } })).status).toBe(403);
    expect((await h.request('GET', `/v1/teams/${created.body.id}`, { token: caregiver })).status).toBe(200);
    const stranger = await h.tokenFor('other', 'admin');
    expect((await h.request('GET', `/v1/teams/${created.body.id}`, { token: stranger })).status).toBe(404);
    expect((await h.request('GET', `/v1/teams/${created.body.id}/on-call`, { token: stranger })).status).toBe(404);
    expect((await h.request('DELETE', `/v1/teams/${created.body.id}`, { token: stranger })).status).toBe(404);
    const theirs = await h.request<OnCall>('GET', '/v1/on-call', { token: stranger });
    expect(theirs.body.teams).toEqual([]);
    expect((await h.request('DELETE', `/v1/teams/${created.body.id}`, { token: admin })).status).toBe(204);
  });

  test('refused rotations (a shift ending before it starts, strangers, no one) change nothing', async () => {
    const team = await h.request<{ id: string }>('POST', '/v1/teams', { token: admin, body: { name: 'Refusals' } });
    const teamId = team.body.id;
    const valid = { name: 'Weeknights', participantIds: [staffOf('caregiver')], startsAt: '2026-12-07T09:00' };
    const refused: [unknown, string][] = [
      [{ ...valid, shifts: [{ day: 'mon', start: '18:00', end: '09:00' }] }, 'body.shifts.0'],
      [{ ...valid, shifts: [{ day: 'mon', start: '09:00', end: '09:00' }] }, 'body.shifts.0'],
      [{ ...valid, shifts: [{ day: 'mon', start: '09:00', end: '10:00', endsNextDay: true }] }, 'body.shifts.0'],
      [{ ...valid, shifts: [{ day: 'someday', start: '09:00', end: '10:00' }] }, 'body.shifts.0.day'],
      [{ ...valid, shifts: [{ day: 'mon', start: '24:00', end: '10:00' }] }, 'body.shifts.0.start'],
      [{ ...valid, shifts: [] }, 'body.shifts'],
      [{ ...valid, participantIds: [] }, 'body.participantIds'],
      [{ ...valid, participantIds: [h.orgs.other.logins[0]?.staffId] }, 'body.participantIds.0'],
      [{ ...valid, startsAt: '2026-02-30T09:00' }, 'body.startsAt'],
      [{ ...valid, startsAt: '2026-12-07T09:00+09:00' }, 'body.startsAt'],
      [{ ...valid, turnDays: 0 }, 'body.turnDays'],
    ];
    for (const [body, field] of refused) {
      const answer = await h.request<Problem>('POST', `/v1/teams/${teamId}/rotations`, { token: admin, body });
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(
        answer.body.errors?.map((error) => error.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    const endsBefore = await h.request<Problem>('POST', `/v1/teams/${teamId}/rotations`, {
      token: admin,
      body: refused[0]?.[0],
    });
    expect(endsBefore.body.errors?.[0]?.message).toMatch(/ends before it starts/);
    expect(await countRows('on_call_rotations')).toBe(0);
    const audited = await h.database.sql`select 1 from audit_log where action like 'on_call_rotation.%'`;
    expect(audited).toHaveLength(0);
    expect((await h.request('POST', `/v1/teams/${teamId}/rotations`, { token: manager, body: valid })).status).toBe(
      403,
    );
  });

  test('who is on call at T: across midnight, at the weekly handover, and where rotations leave a gap', async () => {
    const [first, second] = [staffOf('caregiver', 0), staffOf('caregiver', 1)];
    const team = await h.request<{ id: string }>('POST', '/v1/teams', { token: admin, body: { name: 'Nights' } });
    const teamId = team.body.id;
    const created = await h.request<{ rotation: { handover: unknown }; teamCoverageGaps: Gap[] }>(
      'POST',
      `/v1/teams/${teamId}/rotations`,
      {
        token: admin,
        // Monday 2026-12-07 09:00 Seoul: the first turn; each Monday 09:00 the next person takes over.
        body: { name: 'Weeknights', participantIds: [first, second], startsAt: '2026-12-07T09:00', shifts: weeknights },
      },
    );
    expect(created.status).toBe(201);
    expect(created.body.rotation.handover).toEqual({ day: 'mon', time: '09:00', everyDays: 7 });
    // Weeknights leave the days and the weekend uncovered: reported, and allowed.
    expect(
      created.body.teamCoverageGaps.map((gap) => `${gap.from.day} ${gap.from.time}–${gap.to.day} ${gap.to.time}`),
    ).toEqual([
      'tue 09:00–tue 18:00',
      'wed 09:00–wed 18:00',
      'thu 09:00–thu 18:00',
      'fri 09:00–fri 18:00',
      'sat 09:00–mon 18:00',
    ]);

    // Seoul is UTC+9. Tuesday 2026-12-08: 23:59 and 00:00 and 08:59 the night runs on; 09:00 it ends.
    expect(await whoAt(teamId, '2026-12-08T23:59:00+09:00')).toEqual([first]);
    expect(await whoAt(teamId, '2026-12-08T15:00:00Z')).toEqual([first]); // 2026-12-09 00:00 Seoul
    expect(await whoAt(teamId, '2026-12-09T08:59:00+09:00')).toEqual([first]);
    expect(await whoAt(teamId, '2026-12-09T09:00:00+09:00')).toEqual([]);
    expect(await whoAt(teamId, '2026-12-09T17:59:00+09:00')).toEqual([]);
    // The Friday night runs into Saturday 09:00; the weekend is a gap.
    expect(await whoAt(teamId, '2026-12-12T08:59:00+09:00')).toEqual([first]);
    expect(await whoAt(teamId, '2026-12-13T22:00:00+09:00')).toEqual([]);
    // Week boundary: the handover on Monday 2026-12-14 09:00 passes the next nights to the second person.
    expect(await whoAt(teamId, '2026-12-14T18:00:00+09:00')).toEqual([second]);
    expect(await whoAt(teamId, '2026-12-21T18:00:00+09:00')).toEqual([first]);
    // Before the first handover the rotation puts nobody on call.
    expect(await whoAt(teamId, '2026-12-01T22:00:00+09:00')).toEqual([]);

    // A day rotation that overlaps the nights at the edges still leaves the weekend: the gap is reported.
    const days = await h.request<{ teamCoverageGaps: Gap[] }>('POST', `/v1/teams/${teamId}/rotations`, {
      token: admin,
      body: {
        name: 'Weekdays',
        participantIds: [staffOf('manager')],
        startsAt: '2026-12-07T08:00',
        shifts: ['tue', 'wed', 'thu', 'fri'].map((day) => ({ day, start: '08:00', end: '19:00' })),
      },
    });
    expect(days.status).toBe(201);
    expect(days.body.teamCoverageGaps).toEqual([
      { from: { day: 'sat', time: '09:00' }, to: { day: 'mon', time: '18:00' }, minutes: 57 * 60 },
    ]);
    // Overlap (Tuesday 08:30): both rotations' holders are on call.
    expect((await whoAt(teamId, '2026-12-08T08:30:00+09:00')).sort()).toEqual([first, staffOf('manager')].sort());
    const team2 = await h.request<{ coverageGaps: Gap[] }>('GET', `/v1/teams/${teamId}`, { token: caregiver });
    expect(team2.body.coverageGaps).toEqual(days.body.teamCoverageGaps);
  });

  test('overrides: managers write them, one ending before it starts is refused, the last made wins', async () => {
    const [first, second] = [staffOf('caregiver', 0), staffOf('caregiver', 1)];
    const managerId = staffOf('manager');
    const team = await h.request<{ id: string }>('POST', '/v1/teams', { token: admin, body: { name: 'Cover' } });
    const teamId = team.body.id;
    await h.request('POST', `/v1/teams/${teamId}/rotations`, {
      token: admin,
      body: { name: 'All week', participantIds: [first], startsAt: '2026-12-07T09:00', turnDays: 7 },
    });
    const before = await countRows('on_call_overrides');
    const refused: [Record<string, unknown>, string][] = [
      [{ staffId: second, startsAt: '2026-12-09T18:00:00+09:00', endsAt: '2026-12-09T09:00:00+09:00' }, 'body.endsAt'],
      [{ staffId: second, startsAt: '2026-12-09T18:00:00+09:00', endsAt: '2026-12-09T18:00:00+09:00' }, 'body.endsAt'],
      [{ staffId: second, startsAt: '2026-12-09T18:00:00+09:00', endsAt: '2027-06-09T18:00:00+09:00' }, 'body.endsAt'],
      [{ staffId: second, startsAt: '2026-12-09T18:00:00', endsAt: '2026-12-10T09:00:00+09:00' }, 'body.startsAt'],
      [
        { staffId: h.orgs.other.logins[0]?.staffId, startsAt: '2026-12-09T18:00:00Z', endsAt: '2026-12-10T09:00:00Z' },
        'body.staffId',
      ],
      [
        { staffId: second, replacesStaffId: second, startsAt: '2026-12-09T18:00:00Z', endsAt: '2026-12-10T09:00:00Z' },
        'body.replacesStaffId',
      ],
    ];
    for (const [body, field] of refused) {
      const answer = await h.request<Problem>('POST', `/v1/teams/${teamId}/overrides`, { token: manager, body });
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(
        answer.body.errors?.map((error) => error.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    expect(await countRows('on_call_overrides')).toBe(before);
    const sick = { staffId: second, replacesStaffId: first, reason: 'Sick leave' };
    expect(
      (
        await h.request('POST', `/v1/teams/${teamId}/overrides`, {
          token: caregiver,
          body: { ...sick, startsAt: '2026-12-09T00:00:00Z', endsAt: '2026-12-10T00:00:00Z' },
        })
      ).status,
    ).toBe(403);

    // Second stands in for first on Wednesday (Seoul); later the manager takes the whole team 12:00–15:00.
    const swap = await h.request<{ id: string }>('POST', `/v1/teams/${teamId}/overrides`, {
      token: manager,
      body: { ...sick, startsAt: '2026-12-09T00:00:00+09:00', endsAt: '2026-12-10T00:00:00+09:00' },
    });
    expect(swap.status).toBe(201);
    const takeover = await h.request<{ id: string }>('POST', `/v1/teams/${teamId}/overrides`, {
      token: admin,
      body: { staffId: managerId, startsAt: '2026-12-09T12:00:00+09:00', endsAt: '2026-12-09T15:00:00+09:00' },
    });
    expect(takeover.status).toBe(201);
    expect(await whoAt(teamId, '2026-12-08T23:59:59+09:00')).toEqual([first]);
    expect(await whoAt(teamId, '2026-12-09T00:00:00+09:00')).toEqual([second]);
    const standIn = (await onCallAt('2026-12-09T00:00:00+09:00', teamId)).teams[0]?.onCall[0];
    expect(standIn).toMatchObject({
      overrideId: swap.body.id,
      replacesStaffId: first,
      replacesName: expect.any(String),
    });
    expect(await whoAt(teamId, '2026-12-09T12:00:00+09:00')).toEqual([managerId]);
    expect(await whoAt(teamId, '2026-12-09T14:59:59+09:00')).toEqual([managerId]);
    expect(await whoAt(teamId, '2026-12-09T15:00:00+09:00')).toEqual([second]);
    expect(await whoAt(teamId, '2026-12-10T00:00:00+09:00')).toEqual([first]);
    // A later swap over the takeover wins where they overlap.
    await h.request('POST', `/v1/teams/${teamId}/overrides`, {
      token: manager,
      body: { staffId: first, startsAt: '2026-12-09T14:00:00+09:00', endsAt: '2026-12-09T16:00:00+09:00' },
    });
    expect(await whoAt(teamId, '2026-12-09T12:30:00+09:00')).toEqual([managerId]);
    expect(await whoAt(teamId, '2026-12-09T14:30:00+09:00')).toEqual([first]);

    const listed = await h.request<{ items: { id: string }[] }>(
      'GET',
      `/v1/teams/${teamId}/overrides?endsAfter=${encodeURIComponent('2026-12-01T00:00:00Z')}`,
      { token: caregiver },
    );
    expect(listed.body.items).toHaveLength(3);
    expect(
      (await h.request('DELETE', `/v1/teams/${teamId}/overrides/${takeover.body.id}`, { token: manager })).status,
    ).toBe(204);
    expect(await whoAt(teamId, '2026-12-09T12:30:00+09:00')).toEqual([second]);
    const audited = await h.database.sql<{ action: string }[]>`
      select action from audit_log where action like 'on_call_override.%' and target_id = ${teamId}
       order by at`;
    expect(audited.map((row) => row.action)).toEqual([
      'on_call_override.create',
      'on_call_override.create',
      'on_call_override.create',
      'on_call_override.delete',
    ]);
  });

  test('a ladder step names a team of the organisation; the team cannot be deleted while a ladder names it', async () => {
    const team = await h.request<{ id: string }>('POST', '/v1/teams', { token: admin, body: { name: 'Ladder' } });
    const theirs = await h.request<{ id: string }>('POST', '/v1/teams', {
      token: await h.tokenFor('other', 'admin'),
      body: { name: 'Theirs' },
    });
    const ladder = (teamId: string) => ({
      steps: [
        { notify: 'on_call', teamId, waitSeconds: 60 },
        { notify: 'managers', waitSeconds: 120 },
      ],
      repeat: 1,
    });
    const foreign = await h.request<Problem>('PUT', '/v1/escalation-policies/high', {
      token: admin,
      body: ladder(theirs.body.id),
    });
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors?.[0]?.field).toBe('body.steps.0.teamId');
    expect(
      (await h.request('PUT', '/v1/escalation-policies/high', { token: admin, body: ladder(team.body.id) })).status,
    ).toBe(200);
    const blocked = await h.request<Problem>('DELETE', `/v1/teams/${team.body.id}`, { token: admin });
    expect(blocked.status).toBe(409);
    expect(blocked.body.current).toEqual({ ladders: ['high'] });
    expect((await h.request('DELETE', '/v1/escalation-policies/high', { token: admin })).status).toBe(204);
    expect((await h.request('DELETE', `/v1/teams/${team.body.id}`, { token: admin })).status).toBe(204);
  });
});
