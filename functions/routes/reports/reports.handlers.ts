import { auditAlerts } from '../../../db/alerts/audit';
import { handle } from '../../lib/handlers';
import { ApiError } from '../../lib/problem';
import * as routes from './reports.routes';

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_AUDIT_DAYS = 92;

export const alertAudit = handle(...routes.alertAudit, async (c) => {
  const query = c.req.valid('query');
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 7 * DAY_MS);
  if (from >= to || to.getTime() - from.getTime() > MAX_AUDIT_DAYS * DAY_MS) {
    throw new ApiError({
      code: 'VALIDATION_FAILED',
      detail: 'The range is not valid',
      errors: [{ field: 'query.from', message: `from must be before to, at most ${MAX_AUDIT_DAYS} days apart` }],
    });
  }
  const audit = await auditAlerts(c.env.services.sql, {
    from,
    to,
    orgId: c.get('identity').orgId,
    toleranceSeconds: query.tolerance,
  });
  return c.json(audit, 200);
});
