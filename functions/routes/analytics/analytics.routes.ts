import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { validate } from '../../lib/validate';
import {
  ActivityQuery,
  ActivitySchema,
  AtRiskQuery,
  AtRiskSchema,
  TimelineQuery,
  TimelineSchema,
} from './analytics.schemas';

/**
 * What each analytics operation is: its documentation and what it validates. Staff authentication is applied to
 * the analytics paths as a whole where they are mounted (index.ts).
 */

/** The path id is checked in the handler: a malformed id is "no such resident" (404), like another org's. */
const idParameter = {
  name: 'id',
  in: 'path' as const,
  required: true,
  schema: { type: 'string' as const, format: 'uuid' },
  description: 'Resident id (a malformed id answers 404)',
};

export const timeline = [
  describeStaffRoute({
    tags: ['analytics'],
    summary: 'Resident timeline',
    description:
      'Events per kind, min/avg/max of readings and the alerts opened, per bucket between `from` and `to` ' +
      '(TimescaleDB `time_bucket` when installed, else `date_bin`). Caregivers: assigned residents only.',
    parameters: [idParameter],
    responses: { 200: jsonResponse('The timeline', TimelineSchema) },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  }),
  validate('query', TimelineQuery),
] as const;

export const activity = [
  describeStaffRoute({
    tags: ['analytics'],
    summary: 'Resident activity (hourly and daily)',
    description:
      'Hourly event counts and readings per kind over the last `days` days, and daily totals in the ' +
      'organisation’s time zone. Caregivers: assigned residents only.',
    parameters: [idParameter],
    responses: { 200: jsonResponse('Hourly and daily activity', ActivitySchema) },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  }),
  validate('query', ActivityQuery),
] as const;

export const atRisk = [
  describeStaffRoute({
    tags: ['analytics'],
    summary: 'Residents ranked by concerning trends',
    description:
      'Activity against each resident’s own baseline, time since activity, open and recent alerts and hub ' +
      'state, scored with the reasons; the caller’s readable residents only.',
    responses: { 200: jsonResponse('The ranking, most concerning first', AtRiskSchema) },
    errors: ['VALIDATION_FAILED'],
  }),
  validate('query', AtRiskQuery),
] as const;
