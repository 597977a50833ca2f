import { describePublicRoute, jsonResponse } from '../../lib/openapi';
import { validate } from '../../lib/validate';
import { ActionTokenBody, PushAckSchema, PushConfigSchema, SubscriptionChangeBody } from './push.schemas';

/** What the push operations are: the service worker calls them with the notification's token, not a session. */

export const config = [
  describePublicRoute({
    tags: ['push'],
    summary: 'Web Push settings for subscribing',
    responses: { 200: jsonResponse('The application server key', PushConfigSchema) },
  }),
] as const;

const tokenErrors = ['VALIDATION_FAILED', 'BAD_REQUEST', 'NOT_FOUND', 'GONE'] as const;

export const receipt = [
  describePublicRoute({
    tags: ['push'],
    summary: 'A push notification was shown',
    description:
      'Called by the service worker when it shows an alert push. The push attempt and its delivery become ' +
      'delivered, as a dashboard receipt makes them. Repeating it changes nothing. 404: unknown or forged token; ' +
      '410: expired.',
    responses: { 204: { description: 'Recorded' } },
    errors: [...tokenErrors],
  }),
  validate('json', ActionTokenBody),
] as const;

export const ack = [
  describePublicRoute({
    tags: ['push'],
    summary: "Acknowledge an alert from its push notification's button",
    description:
      'Works from a lock screen: the token in the push message is the credential. It is bound to one ' +
      'notification (one person, one alert), expires (PUSH_ACTION_TOKEN_SECONDS) and is spent on first use (409 ' +
      'afterwards). The acknowledgement is the dashboard one: one winner, the other deliveries superseded, every ' +
      'queued push or webhook attempt of the alert cancelled, every dashboard told.',
    responses: { 200: jsonResponse('Acknowledged, or someone was first', PushAckSchema) },
    errors: [...tokenErrors, 'CONFLICT', 'UNAUTHORIZED'],
  }),
  validate('json', ActionTokenBody),
] as const;

export const subscriptionChange = [
  describePublicRoute({
    tags: ['push'],
    summary: 'A push service replaced a device’s subscription',
    description:
      'Called by the service worker on `pushsubscriptionchange` (a push service rotating or expiring a ' +
      'subscription), with no session: knowing the old subscription’s endpoint and its `auth` secret (16 random ' +
      'bytes only that browser and this server hold; the push service never sees it) is the credential. The ' +
      'subscription keeps its owner and takes the new endpoint and keys, and pushes still queued for it go to the ' +
      'new endpoint. A subscription its push service has meanwhile called gone (404/410) still moves, and is in ' +
      'use again after the move (gone ones are kept `PUSH_GONE_RETENTION_DAYS` for this). ' +
      '404 when no active person’s subscription has that endpoint and secret (also when it was ' +
      'already moved). 409 when another person has registered the new endpoint (a handed-over phone, with a ' +
      'session): it stays theirs, and the old subscription is removed with its queued pushes.',
    responses: { 204: { description: 'The subscription now points at the new endpoint' } },
    errors: ['VALIDATION_FAILED', 'BAD_REQUEST', 'NOT_FOUND', 'CONFLICT'],
  }),
  validate('json', SubscriptionChangeBody),
] as const;
