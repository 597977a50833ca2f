import * as v from 'valibot';
import { alertSeverity, alertStatus } from '../../../db/schema/alerts';
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
