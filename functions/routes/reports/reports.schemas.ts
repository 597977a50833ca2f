import * as v from 'valibot';
import { responseGroupings } from '../../../db/queries/response-times';
import { alertOutcome, alertSeverity, alertStatus } from '../../../db/schema/alerts';
import { DateTime, Timestamp, Uuid } from '../../lib/schemas';

export const AuditQuery = v.strictObject({
  from: v.optional(v.pipe(DateTime, v.description('Alerts opened from (default: 7 days before `to`)'))),
  to: v.optional(v.pipe(DateTime, v.description('…until, exclusive (default: now); at most 92 days after `from`'))),
  tolerance: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,4}$/, 'must be a whole number of seconds'),
      v.transform(Number),
      v.maxValue(3600),
      v.description('Seconds of slack on every deadline (default 30)'),
    ),
  ),
});

export const AuditSchema = v.pipe(
  v.object({
    from: Timestamp,
    to: Timestamp,
    toleranceSeconds: v.number(),
    checked: v.pipe(v.number(), v.description('Alerts opened in the range')),
    violations: v.array(
      v.object({
        alertId: Uuid,
        orgId: Uuid,
        residentId: Uuid,
        severity: v.picklist(alertSeverity.enumValues),
        status: v.picklist(alertStatus.enumValues),
        openedAt: Timestamp,
        reasons: v.array(v.string()),
      }),
    ),
  }),
  v.metadata({ ref: 'AlertAudit' }),
);

export const ResponseTimesQuery = v.strictObject({
  from: v.optional(v.pipe(DateTime, v.description('Alerts opened from (default: 30 days before `to`)'))),
  to: v.optional(v.pipe(DateTime, v.description('…until, exclusive (default: now); at most 400 days after `from`'))),
  groupBy: v.optional(
    v.pipe(
      v.picklist(responseGroupings),
      v.description(
        'month or week (organisation time zone), acknowledging staff member, or team told: an alert counts once for ' +
          'every team with a member it was delivered to (so it may count for several teams); alerts told to no ' +
          "team's member are grouped under a null team",
      ),
    ),
    'month',
  ),
});

const seconds = (what: string) => v.pipe(v.nullable(v.number()), v.description(what));

export const ResponseTimesSchema = v.pipe(
  v.object({
    from: Timestamp,
    to: Timestamp,
    groupBy: v.picklist(responseGroupings),
    timeZone: v.string(),
    rows: v.array(
      v.object({
        group: v.pipe(
          v.nullable(v.string()),
          v.description(
            "The month's or week's first day (YYYY-MM-DD, organisation time), the acknowledging staff id (null: " +
              "unacknowledged), or the team id (null: told to no team's member)",
          ),
        ),
        groupName: v.pipe(v.nullable(v.string()), v.description("The staff member's or team's name")),
        severity: v.picklist(alertSeverity.enumValues),
        alerts: v.number(),
        acknowledged: v.number(),
        ackWithin60sPct: seconds('% of the alerts acknowledged within 60 s of opening'),
        ackWithin180sPct: seconds('% of the alerts acknowledged within 180 s of opening'),
        medianAckSeconds: seconds('Median seconds from opening to the first acknowledgement'),
        p90AckSeconds: seconds('90th percentile of the same'),
        medianFirstReceiptSeconds: seconds('Median seconds from opening to the first device receipt'),
        escalated: v.pipe(v.number(), v.description('Alerts that went past their first step')),
        reachedNobody: v.pipe(v.number(), v.description('Alerts no device ever confirmed receiving')),
      }),
    ),
    outcomes: v.array(
      v.object({
        outcome: v.nullable(v.picklist(alertOutcome.enumValues)),
        deviceKind: v.nullable(v.string()),
        alerts: v.number(),
      }),
    ),
  }),
  v.metadata({ ref: 'ResponseTimes' }),
);
