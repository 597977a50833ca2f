import type postgres from 'postgres';
import * as v from 'valibot';
import type { StaffIdentity } from '../../../core/auth/access-token';
import type { Execute } from '../../../db/migrate';
import { assessRisk, riskFacts } from '../../../db/queries/at-risk';
import { hourlyActivity } from '../../../db/queries/hourly-activity';
import { canReadResident, readableResidents } from '../../../db/queries/resident-access';
import { hasTimescale, residentTimeline } from '../../../db/queries/timeline';
import { eventRules } from '../../ingest/rules';
import { detectionSettings, localDate } from '../../ingest/settings';
import { handle } from '../../lib/handlers';
import { ApiError } from '../../lib/problem';
import * as routes from './analytics.routes';

const HOUR_MS = 3_600_000;
const MAX_TIMELINE_BUCKETS = 2_000;
const MAX_TIMELINE_RANGE_MS = 31 * 24 * HOUR_MS;

const residentId = v.object({ id: v.pipe(v.string(), v.uuid('id must be a UUID')) });

export const timeline = handle(...routes.timeline, async (c) => {
  const { sql } = c.env.services;
  const identity = c.get('identity');
  const id = residentIdFrom(c.req.param());
  const query = c.req.valid('query');
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 24 * HOUR_MS);
  const bucketSeconds = seconds(query.bucket);
  if (from >= to || to.getTime() - from.getTime() > MAX_TIMELINE_RANGE_MS) {
    throw invalid('query.from', 'from must be before to, at most 31 days apart');
  }
  if ((to.getTime() - from.getTime()) / 1000 / bucketSeconds > MAX_TIMELINE_BUCKETS) {
    throw invalid('query.bucket', `the range holds more than ${MAX_TIMELINE_BUCKETS} buckets; use a larger bucket`);
  }
  await readableOr404(sql, identity, id);
  const execute = executor(sql);
  const buckets = await residentTimeline(execute, {
    orgId: identity.orgId,
    residentId: id,
    from,
    to,
    bucketSeconds,
    timescale: await timescaleOf(sql, execute),
  });
  return c.json(
    {
      residentId: id,
      from: from.toISOString(),
      to: to.toISOString(),
      bucket: query.bucket,
      bucketSeconds,
      buckets,
    },
    200,
  );
});

export const activity = handle(...routes.activity, async (c) => {
  const { sql } = c.env.services;
  const identity = c.get('identity');
  const id = residentIdFrom(c.req.param());
  const { days } = c.req.valid('query');
  await readableOr404(sql, identity, id);
  const to = new Date(Math.ceil(Date.now() / HOUR_MS) * HOUR_MS);
  const from = new Date(to.getTime() - days * 24 * HOUR_MS);
  const hourly = await hourlyActivity(executor(sql), { orgId: identity.orgId, residentId: id, from, to });
  const [org] = await sql<
    { settings: Record<string, unknown> }[]
  >`select settings from organisations where id = ${identity.orgId}`;
  const { timeZone } = detectionSettings(org?.settings, {});
  const daily = new Map<string, { date: string; events: number; activityEvents: number }>();
  for (const row of hourly) {
    const date = localDate(new Date(row.bucket), timeZone);
    const day = daily.get(date) ?? { date, events: 0, activityEvents: 0 };
    day.events += row.events;
    if (eventRules[row.kind as keyof typeof eventRules]?.activity) day.activityEvents += row.events;
    daily.set(date, day);
  }
  return c.json(
    {
      residentId: id,
      days,
      from: from.toISOString(),
      to: to.toISOString(),
      timeZone,
      hourly,
      daily: [...daily.values()],
    },
    200,
  );
});

export const atRisk = handle(...routes.atRisk, async (c) => {
  const { sql } = c.env.services;
  const identity = c.get('identity');
  const { limit } = c.req.valid('query');
  const readable = await sql<
    { id: string }[]
  >`select r.id::text as id from residents r where ${readableResidents(sql, identity)}`;
  const now = new Date();
  const facts = await riskFacts(executor(sql), {
    orgId: identity.orgId,
    residentIds: readable.map((row) => row.id),
    now,
  });
  const ranked = facts
    .map(assessRisk)
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .slice(0, limit);
  return c.json({ generatedAt: now.toISOString(), residents: ranked }, 200);
});

function executor(sql: postgres.Sql): Execute {
  return (statement, params) => sql.unsafe(statement, (params ?? []) as never[]) as Promise<Record<string, unknown>[]>;
}

const timescaleBySql = new WeakMap<object, Promise<boolean>>();
function timescaleOf(sql: postgres.Sql, execute: Execute): Promise<boolean> {
  let known = timescaleBySql.get(sql);
  if (!known) {
    known = hasTimescale(execute);
    timescaleBySql.set(sql, known);
  }
  return known;
}

async function readableOr404(sql: postgres.Sql, identity: StaffIdentity, id: string) {
  if (!(await canReadResident(sql, identity, id)))
    throw new ApiError({ code: 'NOT_FOUND', detail: 'No such resident' });
}

function seconds(bucket: string): number {
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[bucket.slice(-1) as 's' | 'm' | 'h' | 'd'];
  const value = Number(bucket.slice(0, -1)) * unit;
  if (!(value > 0)) throw invalid('query.bucket', 'must be longer than zero');
  return value;
}

/** The resident id from the path; a malformed one is "no such resident" (404), like another organisation's. */
function residentIdFrom(params: unknown): string {
  const result = v.safeParse(residentId, params);
  if (!result.success) throw new ApiError({ code: 'NOT_FOUND', detail: 'No such resident' });
  return result.output.id;
}

function invalid(field: string, message: string) {
  return new ApiError({ code: 'VALIDATION_FAILED', detail: message, errors: [{ field, message }] });
}
