import { auditAlerts } from '../../../db/alerts/audit';
import { responseTimeCsv, responseTimeReport } from '../../../db/queries/response-times';
import { handle } from '../../lib/handlers';
import { ApiError } from '../../lib/problem';
import * as routes from './reports.routes';

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_AUDIT_DAYS = 92;
const MAX_REPORT_DAYS = 400;

function rangeOf(query: { from?: string; to?: string }, defaultDays: number, maxDays: number) {
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - defaultDays * DAY_MS);
  if (from >= to || to.getTime() - from.getTime() > maxDays * DAY_MS) {
    throw new ApiError({
      code: 'VALIDATION_FAILED',
      detail: 'The range is not valid',
      errors: [{ field: 'query.from', message: `from must be before to, at most ${maxDays} days apart` }],
    });
  }
  return { from, to };
}

export const alertAudit = handle(...routes.alertAudit, async (c) => {
  const query = c.req.valid('query');
  const { from, to } = rangeOf(query, 7, MAX_AUDIT_DAYS);
  const audit = await auditAlerts(c.env.services.sql, {
    from,
    to,
    orgId: c.get('identity').orgId,
    toleranceSeconds: query.tolerance,
  });
  return c.json(audit, 200);
});

export const responseTimes = handle(...routes.responseTimes, async (c) => {
  const query = c.req.valid('query');
  const { from, to } = rangeOf(query, 30, MAX_REPORT_DAYS);
  const report = await responseTimeReport(c.env.services.sql, {
    orgId: c.get('identity').orgId,
    from,
    to,
    groupBy: query.groupBy,
  });
  if ((c.req.header('accept') ?? '').includes('text/csv')) {
    return c.body(responseTimeCsv(report), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="response-times-${report.from.slice(0, 10)}-${report.to.slice(0, 10)}.csv"`,
    });
  }
  return c.json(report, 200);
});
