import { requireStaff } from '../../auth/require-staff';
import { describePublicRoute, describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { validate } from '../../lib/validate';
import { LoginBody, LogoutBody, RefreshBody, SessionSchema } from './auth.schemas';

/** What each session operation is: its documentation, who may call it, and what it validates. */

export const login = [
  describePublicRoute({
    tags: ['auth'],
    summary: 'Log in with email and password',
    description:
      'Returns a short-lived HS256 access token and a single-use refresh token. Failures never say whether the ' +
      'email or the password was wrong. Failed attempts are limited per account and per client address (429).',
    responses: { 200: jsonResponse('Logged in', SessionSchema) },
    errors: ['VALIDATION_FAILED', 'BAD_REQUEST', 'RATE_LIMITED'],
  }),
  validate('json', LoginBody),
] as const;

export const refresh = [
  describePublicRoute({
    tags: ['auth'],
    summary: 'Exchange a refresh token for a new session',
    description:
      'Refresh tokens rotate: the one presented is spent and a new one returned. Presenting a spent token again ' +
      'revokes its whole family (reuse detection).',
    responses: { 200: jsonResponse('New session', SessionSchema) },
    errors: ['VALIDATION_FAILED', 'BAD_REQUEST'],
  }),
  validate('json', RefreshBody),
] as const;

export const logout = [
  describeStaffRoute({
    tags: ['auth'],
    summary: 'Log out',
    description:
      'Revokes the given refresh token family, or every refresh token of the caller when none is given. With ' +
      "`pushEndpoint` (the signing-out device's push subscription), the caller's subscription at that endpoint is " +
      "removed too: no more alerts reach that device. Another person's subscription is never touched.",
    responses: { 204: { description: 'Logged out' } },
    errors: ['VALIDATION_FAILED', 'BAD_REQUEST'],
  }),
  requireStaff(),
  validate('json', LogoutBody),
] as const;
