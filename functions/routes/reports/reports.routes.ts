import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { adminsOnly, managersOnly } from '../../lib/roles';
import { validate } from '../../lib/validate';
import { AuditQuery, AuditSchema, ResponseTimesQuery, ResponseTimesSchema } from './reports.schemas';

const tags = ['reports'];

export const alertAudit = [
  describeStaffRoute({
    tags,
    summary: 'Proof from the database that every alert was answered or escalated on time',
    description:
      'Admins. The check `npm run audit:alerts` runs, over the organisation’s alerts opened in the range: each ' +
      'was delivered to and acknowledged by a person, or escalated at each step of its ladder on time (within the ' +
      'step’s wait plus `tolerance`), or is still inside its current step’s wait. Lists every alert that is not, ' +
      'with why.',
    responses: { 200: jsonResponse('The alerts checked and those that break the rule', AuditSchema) },
    errors: ['VALIDATION_FAILED'],
  }),
  adminsOnly(),
  validate('query', AuditQuery),
] as const;

export const responseTimes = [
  describeStaffRoute({
    tags,
    summary: 'How fast alerts were answered',
    description:
      'Managers and admins. Per severity and per month, week (organisation time zone), acknowledging staff member or ' +
      'team: alerts, share acknowledged within 60 s and 180 s, median and p90 time to acknowledge, median time to ' +
      'the first receipt, alerts escalated, alerts that reached nobody; and handling outcomes per device kind (false ' +
      'alarms, 119 dispatches). Per team, an alert counts once for every team with a member it was delivered to ' +
      '(a rotation participant or override’s staff member; any delivery, at any step), so a team’s figures are ' +
      'about the alerts its people were told of and one alert may count for several teams; alerts delivered to no ' +
      'team’s member form one row per severity with a null `group`. `Accept: text/csv` answers the rows as CSV.',
    responses: {
      200: {
        ...jsonResponse('The report', ResponseTimesSchema),
        content: {
          ...jsonResponse('The report', ResponseTimesSchema).content,
          'text/csv': { schema: { type: 'string' as const } },
        },
      },
    },
    errors: ['VALIDATION_FAILED'],
  }),
  managersOnly(),
  validate('query', ResponseTimesQuery),
] as const;
