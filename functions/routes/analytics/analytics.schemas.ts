import * as v from 'valibot';
import { alertKind, alertSeverity, alertStatus } from '../../../db/schema/alerts';
import { DateTime, Timestamp, Uuid } from '../../lib/schemas';

export const TimelineQuery = v.object({
  from: v.optional(v.pipe(DateTime, v.description('Start (default: 24 hours before `to`)'))),
  to: v.optional(v.pipe(DateTime, v.description('End (default: now); at most 31 days after `from`'))),
  bucket: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,5}[smhd]$/, 'must look like 5m, 1h or 1d'),
      v.description('Bucket width: 30s, 5m, 15m, 1h, 6h, 1d …; at most 2,000 buckets per range'),
    ),
    '1h',
  ),
});

export const ActivityQuery = v.object({
  days: v.optional(
    v.pipe(
      v.string(),
      v.transform(Number),
      v.integer('must be a whole number'),
      v.minValue(1),
      v.maxValue(31),
      v.description('Days back from the current hour (1–31)'),
    ),
    '7',
  ),
});

export const AtRiskQuery = v.object({
  limit: v.optional(v.pipe(v.string(), v.transform(Number), v.integer(), v.minValue(1), v.maxValue(200)), '20'),
});

const MinAvgMax = v.object({ min: v.number(), avg: v.number(), max: v.number() });

export const TimelineSchema = v.pipe(
  v.object({
    residentId: Uuid,
    from: Timestamp,
    to: Timestamp,
    bucket: v.string(),
    bucketSeconds: v.number(),
    buckets: v.array(
      v.object({
        start: Timestamp,
        total: v.number(),
        events: v.pipe(v.record(v.string(), v.number()), v.description('Events per kind')),
        values: v.pipe(v.record(v.string(), MinAvgMax), v.description('min/avg/max of numeric readings per kind')),
        alerts: v.array(
          v.object({
            id: Uuid,
            kind: v.picklist(alertKind.enumValues),
            severity: v.picklist(alertSeverity.enumValues),
            status: v.picklist(alertStatus.enumValues),
            openedAt: Timestamp,
          }),
        ),
      }),
    ),
  }),
  v.metadata({ ref: 'ResidentTimeline' }),
);

export const ActivitySchema = v.pipe(
  v.object({
    residentId: Uuid,
    days: v.number(),
    from: Timestamp,
    to: Timestamp,
    timeZone: v.string(),
    hourly: v.array(
      v.object({
        bucket: Timestamp,
        kind: v.string(),
        events: v.number(),
        minValue: v.nullable(v.number()),
        avgValue: v.nullable(v.number()),
        maxValue: v.nullable(v.number()),
      }),
    ),
    daily: v.array(
      v.object({
        date: v.pipe(v.string(), v.description('Local date (organisation time zone), YYYY-MM-DD')),
        events: v.number(),
        activityEvents: v.number(),
      }),
    ),
  }),
  v.metadata({ ref: 'ResidentActivity' }),
);

export const AtRiskSchema = v.pipe(
  v.object({
    generatedAt: Timestamp,
    residents: v.array(
      v.object({
        residentId: Uuid,
        name: v.string(),
        presence: v.string(),
        activityLast24h: v.number(),
        baselinePerDay: v.number(),
        hoursSinceActivity: v.nullable(v.number()),
        openAlerts: v.number(),
        openCritical: v.number(),
        alertsLast7Days: v.number(),
        hubOffline: v.boolean(),
        score: v.pipe(v.number(), v.description('Higher is more concerning')),
        reasons: v.array(v.string()),
      }),
    ),
  }),
  v.metadata({ ref: 'AtRisk' }),
);
