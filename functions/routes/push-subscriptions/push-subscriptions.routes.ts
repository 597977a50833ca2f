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
      'host. A browser has one subscription: the caller registering its endpoint again answers 200 with the keys ' +
      'updated; another person registering it (a shared phone) replaces the previous owner’s subscription with a ' +
      'new one of the caller’s (201), and pushes still queued for the previous owner are cancelled. Alerts still ' +
      'waiting for the caller get a push to this device where the caller’s notification rules say push (once per ' +
      'device).',
    responses: {
      201: jsonResponse('Subscribed', ItemSchema),
      200: jsonResponse('Already subscribed: the caller’s subscription, with these keys', ItemSchema),
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
