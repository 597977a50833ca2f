import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiHarness, startApiHarness } from '../../../infra/testing/api-harness';

interface Row {
  group: string | null;
  groupName?: string | null;
  severity: string;
  alerts: number;
  acknowledged: number;
  ackWithin60sPct: number | null;
  ackWithin180sPct: number | null;
  medianAckSeconds: number | null;
  p90AckSeconds: number | null;
  medianFirstReceiptSeconds: number | null;
  escalated: number;
  reachedNobody: number;
}
interface Report {
  rows: Row[];
  outcomes: { outcome: string | null; deviceKind: string | null; alerts: number }[];
}

type Who = 'caregiver' | 'caregiver2' | 'manager' | 'admin';

/**
 * The teams, decided here: a team's members are its rotations' participants and its overrides' staff, whenever
 * those apply. caregiver2 is in both desks; the admin is in none of this organisation's teams (only in one of the
 * other organisation's, which must not count here); the visiting team has nobody.
 */
const TEAMS: { name: string; rotations: Who[][]; overrides: Who[] }[] = [
  { name: 'Day desk', rotations: [['caregiver', 'caregiver2', 'caregiver']], overrides: [] },
  { name: 'Night desk', rotations: [['caregiver2']], overrides: ['manager'] },
  { name: 'Visiting team', rotations: [], overrides: [] },
];
const TOLD_ORDER: Who[] = ['caregiver', 'caregiver2', 'manager', 'admin'];

/** A seeded month: what each alert was, decided here, so the expected figures are computed independently. */
interface Planted {
  openedAt: Date;
  severity: 'critical' | 'high' | 'medium';
  ackAfter: number | null;
  receiptAfter: number | null;
  escalated: boolean;
  outcome: 'false_alarm' | 'ambulance_119' | 'visited';
  withDevice: boolean;
  /** Who each step's delivery went to: the first step, and the second when escalated. */
  told: [Who, Who];
}

function percentileCont(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return (sorted[low] ?? 0) + ((sorted[high] ?? 0) - (sorted[low] ?? 0)) * (rank - low);
}

/** The month's first day in Seoul, by the calendar rather than by SQL. */
function seoulMonth(at: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit' })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-01`;
}

describe('GET /v1/reports/response-times', () => {
  let h: ApiHarness;
  const planted: Planted[] = [];
  const teamIds = new Map<string, string>();
  const from = new Date('2026-10-15T00:00:00Z');
  const to = new Date('2026-12-01T00:00:00Z');

  beforeAll(async () => {
    h = await startApiHarness(
      {},
      {
        skipAlertAudit:
          'the seeded month is rows written by hand, with acknowledgements minutes after escalation was due',
      },
    );
    const org = h.orgs.own;
    const staffId = org.logins.find((login) => login.role === 'caregiver')?.staffId ?? '';
    const device = org.hubs[0]?.devices.emergency_button ?? '';
    // A deterministic spread over six weeks, across a month boundary in Seoul (UTC+9), with unanswered alerts.
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let index = 0; index < 60; index++) {
      const openedAt = new Date(from.getTime() + Math.floor(next() * (to.getTime() - from.getTime())));
      const answered = next() > 0.15;
      planted.push({
        openedAt,
        severity: (['critical', 'high', 'medium'] as const)[index % 3] ?? 'critical',
        ackAfter: answered ? Math.round(next() * 300_000) / 1000 : null,
        receiptAfter: next() > 0.1 ? Math.round(next() * 20_000) / 1000 : null,
        escalated: next() > 0.7,
        outcome: (['false_alarm', 'ambulance_119', 'visited'] as const)[index % 3] ?? 'visited',
        withDevice: index % 2 === 0,
        told: [
          TOLD_ORDER[Math.floor(index / 3) % 4] ?? 'caregiver',
          TOLD_ORDER[(Math.floor(index / 3) + index) % 4] ?? 'caregiver',
        ],
      });
    }
    // 05:00 on 1 November in Seoul, still October in UTC: grouped by the organisation's month.
    planted.push({ ...(planted[1] as Planted), openedAt: new Date('2026-10-31T20:00:00Z') });
    // Outside the range: must not count.
    planted.push({ ...(planted[0] as Planted), openedAt: new Date(to.getTime() + 1000) });
    let seq = 1_000_000;
    for (const [index, alert] of planted.entries()) {
      const [row] = await h.database.sql<{ id: string }[]>`
        insert into alerts (org_id, resident_id, device_id, kind, severity, status, dedup_key, title, opened_at,
                            acknowledged_at, acknowledged_by, resolved_at, resolved_by, resolution_outcome)
        values (${org.orgId}, ${org.residents[0]?.id ?? ''}, ${alert.withDevice ? device : null}, 'sos',
                ${alert.severity}, 'resolved', ${`planted:${index}`}, 'Emergency button pressed', ${alert.openedAt},
                ${alert.ackAfter === null ? null : new Date(alert.openedAt.getTime() + alert.ackAfter * 1000)},
                ${alert.ackAfter === null ? null : staffId}, ${new Date(alert.openedAt.getTime() + 600_000)},
                ${staffId}, ${alert.outcome})
        returning id`;
      for (const level of alert.escalated ? [0, 1] : [0]) {
        seq += 1;
        await h.database.sql`
          insert into alert_deliveries (org_id, alert_id, staff_id, escalation_level, seq, state, pending_at,
                                        delivered_at)
          values (${org.orgId}, ${row?.id ?? ''}, ${h.loginOf('own', alert.told[level] ?? 'caregiver').staffId},
                  ${level}, ${seq}, 'superseded', ${alert.openedAt},
                  ${level === 0 && alert.receiptAfter !== null ? new Date(alert.openedAt.getTime() + alert.receiptAfter * 1000) : null})`;
      }
    }
    for (const team of TEAMS) {
      const [row] = await h.database.sql<{ id: string }[]>`
        insert into teams (org_id, name) values (${org.orgId}, ${team.name}) returning id`;
      teamIds.set(team.name, row?.id ?? '');
      for (const participants of team.rotations) {
        await h.database.sql`
          insert into on_call_rotations (org_id, team_id, name, participant_ids, starts_at)
          values (${org.orgId}, ${row?.id ?? ''}, 'Weekly', ${participants.map((who) => h.loginOf('own', who).staffId)},
                  '2026-01-05 09:00')`;
      }
      for (const who of team.overrides) {
        // Long before the seeded weeks: membership does not depend on when the override applies.
        await h.database.sql`
          insert into on_call_overrides (org_id, team_id, staff_id, starts_at, ends_at)
          values (${org.orgId}, ${row?.id ?? ''}, ${h.loginOf('own', who).staffId}, '2025-03-01T00:00:00Z',
                  '2025-03-02T00:00:00Z')`;
      }
    }
    // The other organisation's team lists this one's admin (participant ids are not foreign keys): not a team here.
    const [theirs] = await h.database.sql<{ id: string }[]>`
      insert into teams (org_id, name) values (${h.orgs.other.orgId}, 'South desk') returning id`;
    await h.database.sql`
      insert into on_call_rotations (org_id, team_id, name, participant_ids, starts_at)
      values (${h.orgs.other.orgId}, ${theirs?.id ?? ''}, 'Weekly', ${[h.loginOf('own', 'admin').staffId]},
              '2026-01-05 09:00')`;
  }, 60_000);
  afterAll(() => h?.stop());

  const inRange = () => planted.filter((alert) => alert.openedAt >= from && alert.openedAt < to);

  /** Per group and severity; an alert in several groups counts in each. */
  function expectedRows(groupOf: (alert: Planted) => string | string[]): Row[] {
    const groups = new Map<string, Planted[]>();
    for (const alert of inRange()) {
      for (const group of [groupOf(alert)].flat()) {
        const key = `${group}|${alert.severity}`;
        groups.set(key, [...(groups.get(key) ?? []), alert]);
      }
    }
    return [...groups.entries()]
      .map(([key, alerts]) => {
        const [group, severity] = key.split('|');
        const acks = alerts.flatMap((alert) => (alert.ackAfter === null ? [] : [alert.ackAfter]));
        const receipts = alerts.flatMap((alert) => (alert.receiptAfter === null ? [] : [alert.receiptAfter]));
        const pct = (limit: number) =>
          Math.round((1000 * acks.filter((ack) => ack <= limit).length) / alerts.length) / 10;
        return {
          group: group ?? null,
          severity: severity ?? '',
          alerts: alerts.length,
          acknowledged: acks.length,
          ackWithin60sPct: pct(60),
          ackWithin180sPct: pct(180),
          medianAckSeconds: percentileCont(acks, 0.5),
          p90AckSeconds: percentileCont(acks, 0.9),
          medianFirstReceiptSeconds: percentileCont(receipts, 0.5),
          escalated: alerts.filter((alert) => alert.escalated).length,
          reachedNobody: alerts.filter((alert) => alert.receiptAfter === null).length,
        };
      })
      .sort((a, b) => `${a.group}|${a.severity}`.localeCompare(`${b.group}|${b.severity}`));
  }

  function expectSameFigures(actual: Row[], expected: Row[]) {
    const sorted = [...actual].sort((a, b) => `${a.group}|${a.severity}`.localeCompare(`${b.group}|${b.severity}`));
    expect(sorted.map(({ group, severity, alerts }) => ({ group, severity, alerts }))).toEqual(
      expected.map(({ group, severity, alerts }) => ({ group, severity, alerts })),
    );
    for (const [index, row] of sorted.entries()) {
      const want = expected[index] as Row;
      for (const key of Object.keys(want) as (keyof Row)[]) {
        if (typeof want[key] === 'number')
          expect(row[key], `${row.group} ${row.severity} ${key}`).toBeCloseTo(want[key] as number, 3);
        else expect(row[key], `${row.group} ${row.severity} ${key}`).toEqual(want[key]);
      }
    }
  }

  const query = `from=${from.toISOString()}&to=${to.toISOString()}`;

  test('per month in Seoul time and per severity: the figures computed independently here', async () => {
    const token = await h.tokenFor('own', 'manager');
    const report = await h.request<Report>('GET', `/v1/reports/response-times?${query}&groupBy=month`, { token });
    expect(report.status).toBe(200);
    expectSameFigures(
      report.body.rows,
      expectedRows((alert) => seoulMonth(alert.openedAt)),
    );
    const outcomes = new Map<string, number>();
    for (const alert of inRange()) {
      const key = `${alert.outcome}|${alert.withDevice ? 'emergency_button' : null}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    expect(
      Object.fromEntries(report.body.outcomes.map((entry) => [`${entry.outcome}|${entry.deviceKind}`, entry.alerts])),
    ).toEqual(Object.fromEntries(outcomes));
  });

  test('per acknowledging staff member: the unanswered alerts form their own group', async () => {
    const token = await h.tokenFor('own', 'admin');
    const staffId = h.orgs.own.logins.find((login) => login.role === 'caregiver')?.staffId ?? '';
    const report = await h.request<Report>('GET', `/v1/reports/response-times?${query}&groupBy=staff`, { token });
    expectSameFigures(
      report.body.rows.map((row) => ({ ...row, group: row.group ?? 'none' })),
      expectedRows((alert) => (alert.ackAfter === null ? 'none' : staffId)),
    );
  });

  test('per team told: an alert counts for every team with a member it was delivered to, else under no team', async () => {
    const token = await h.tokenFor('own', 'manager');
    const report = await h.request<Report>('GET', `/v1/reports/response-times?${query}&groupBy=team`, { token });
    expect(report.status).toBe(200);
    const teamsOf = (alert: Planted) => {
      const told = alert.escalated ? alert.told : alert.told.slice(0, 1);
      const names = TEAMS.filter((team) =>
        [...team.rotations.flat(), ...team.overrides].some((member) => told.includes(member)),
      ).map((team) => team.name);
      return names.length ? names : ['none'];
    };
    // The spread must exercise the rule: alerts in two teams, in one, and in none.
    expect(new Set(inRange().map((alert) => teamsOf(alert).length))).toEqual(new Set([1, 2]));
    expect(inRange().some((alert) => teamsOf(alert)[0] === 'none')).toBe(true);
    expectSameFigures(
      report.body.rows.map((row) => ({ ...row, group: row.group ?? 'none' })),
      expectedRows((alert) => teamsOf(alert).map((name) => (name === 'none' ? 'none' : (teamIds.get(name) ?? '')))),
    );
    const names = new Map([...teamIds].map(([name, id]) => [id, name]));
    for (const row of report.body.rows) expect(row.groupName).toBe(row.group === null ? null : names.get(row.group));
    expect(report.body.rows.some((row) => row.groupName === 'Visiting team')).toBe(false);
    const csv = await h.request<string>('GET', `/v1/reports/response-times?${query}&groupBy=team`, {
      token,
      headers: { accept: 'text/csv' },
    });
    expect(csv.body.trimEnd().split('\r\n').length - 1).toBe(report.body.rows.length);
    expect(csv.body).toContain(`${teamIds.get('Night desk')},Night desk,`);
  });

  test('CSV for regulators; caregivers, other organisations and bad ranges get nothing', async () => {
    const token = await h.tokenFor('own', 'manager');
    const csv = await h.request<string>('GET', `/v1/reports/response-times?${query}`, {
      token,
      headers: { accept: 'text/csv' },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'group,groupName,severity,alerts,acknowledged,ackWithin60sPct,ackWithin180sPct,medianAckSeconds,p90AckSeconds,medianFirstReceiptSeconds,escalated,reachedNobody',
    );
    expect(lines.length - 1).toBe(expectedRows((alert) => seoulMonth(alert.openedAt)).length);
    expect(lines.slice(1).reduce((sum, line) => sum + Number(line.split(',')[3]), 0)).toBe(inRange().length);

    const caregiver = await h.tokenFor('own', 'caregiver');
    expect((await h.request('GET', `/v1/reports/response-times?${query}`, { token: caregiver })).status).toBe(403);
    const other = await h.tokenFor('other', 'admin');
    // A zone edited by hand that PostgreSQL would refuse: the report still answers, in the default zone.
    await h.database.sql`update organisations set settings = settings || '{"timeZone": "Nowhere/Atlantis"}'
                          where id = ${h.orgs.other.orgId}`;
    const theirs = await h.request<Report & { timeZone: string }>('GET', `/v1/reports/response-times?${query}`, {
      token: other,
    });
    expect(theirs).toMatchObject({ status: 200, body: { rows: [], timeZone: 'Asia/Seoul' } });
    for (const bad of [
      'groupBy=resident',
      'from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z',
      'from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      'extra=1',
    ]) {
      const answer = await h.request<{ code: string }>('GET', `/v1/reports/response-times?${bad}`, { token });
      expect(answer, bad).toMatchObject({ status: 422, body: { code: 'VALIDATION_FAILED' } });
    }
  });
});
