import * as v from 'valibot';
import { staffRoles } from '../../../core/auth/access-token';
import { Email, StorableText, Uuid } from '../../lib/schemas';

export const LoginBody = v.pipe(
  v.strictObject({
    email: Email,
    password: v.pipe(StorableText, v.minLength(1, 'must not be empty'), v.maxLength(1024)),
    orgId: v.optional(v.pipe(Uuid, v.description('Only needed when the email exists in several organisations'))),
  }),
  v.metadata({ example: { email: 'carer1@demo.carewatch.test', password: 'carewatch-demo' } }),
);

export const RefreshBody = v.strictObject({ refreshToken: v.pipe(StorableText, v.minLength(1), v.maxLength(512)) });

export const LogoutBody = v.strictObject({
  refreshToken: v.optional(
    v.pipe(
      StorableText,
      v.minLength(1),
      v.maxLength(512),
      v.description("Revokes this token's family; omitted = every session of the caller"),
    ),
  ),
  pushEndpoint: v.optional(
    v.pipe(
      StorableText,
      v.maxLength(2048),
      v.description(
        "This device's push subscription endpoint, if it has one: the caller's subscription with it is removed, so a " +
          'signed-out phone gets no more alerts',
      ),
    ),
  ),
});

export const SessionSchema = v.pipe(
  v.object({
    accessToken: v.string(),
    tokenType: v.literal('Bearer'),
    expiresIn: v.pipe(v.number(), v.description('Seconds until the access token expires')),
    refreshToken: v.pipe(v.string(), v.description('Single use: each refresh returns a new one')),
    staff: v.object({
      id: Uuid,
      orgId: Uuid,
      name: v.string(),
      role: v.picklist(staffRoles),
      email: v.string(),
    }),
  }),
  v.metadata({
    ref: 'Session',
    example: {
      accessToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…',
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: 'cwr_…',
      staff: {
        id: '6f1d…',
        orgId: '0b7e…',
        name: '생활지원사 Kim',
        role: 'caregiver',
        email: 'carer1@demo.carewatch.test',
      },
    },
  }),
);
