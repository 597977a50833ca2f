import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { anyStaff } from '../../lib/roles';
import { validate } from '../../lib/validate';
import { CreateBody, ItemParam, ItemSchema, ListSchema } from './push-subscriptions.schemas';

/** The caller's own devices that accept Web Push: several per person (a phone, a tablet, a desk browser). */

export const list = [
  describeStaffRoute({
    tags: ['push'],
    summary: 'My devices that get alert notifications',
    responses: { 200: jsonResponse('Every push subscription of the caller', ListSchema) },
  }),
  anyStaff(),
] as const;

export const create = [
  describeStaffRoute({
    tags: ['push'],
    summary: 'Get alert notifications on this device',
    description:
      "The body is the browser's `PushSubscription.toJSON()`. The endpoint must be an https URL on a public " +
      'host. A browser has one subscription: registering its endpoint again (another person logged in on the ' +
      'same phone) moves it to the caller and answers 200.',
    responses: {
      201: jsonResponse('Subscribed', ItemSchema),
      200: jsonResponse('Already subscribed: the same endpoint, now the caller’s, with these keys', ItemSchema),
    },
    errors: ['VALIDATION_FAILED', 'BAD_REQUEST'],
  }),
  anyStaff(),
  validate('json', CreateBody),
] as const;

export const remove = [
  describeStaffRoute({
    tags: ['push'],
    summary: 'Stop alert notifications on a device',
    description: 'Queued pushes to it are cancelled when they fall due.',
    responses: { 204: { description: 'Removed' } },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  }),
  anyStaff(),
  validate('param', ItemParam),
] as const;
