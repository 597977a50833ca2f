import * as v from 'valibot';
import { pageQueryFields } from '../../lib/pagination';
import { recordSchemas } from '../../lib/record-schemas';
import { DateTime, QueryBoolean, StorableText, Timestamp, Uuid } from '../../lib/schemas';

export const GrantParams = v.object({ id: Uuid, grantId: Uuid });

/** A grant from `camera_access_grants`: the server fills org, resident (the camera's), who granted and when. */
export const CreateBody = v.pipe(
  v.strictObject({
    staffId: v.pipe(Uuid, v.description('The caregiver given standing access; assigned to the camera’s resident')),
    reason: v.pipe(
      StorableText,
      v.trim(),
      v.minLength(1, 'must not be empty'),
      v.maxLength(500),
      v.description('Why this caregiver may watch outside alerts (kept with the grant and in the audit log)'),
    ),
    expiresAt: v.optional(
      v.nullable(
        v.pipe(
          DateTime,
          // A time DateTime refuses ends the pipe there, so this sees canonical, real instants only.
          v.check((value) => Date.parse(value) > Date.now(), 'must be in the future'),
          v.description('When the access ends by itself; omitted or null = until revoked'),
        ),
      ),
    ),
  }),
  v.metadata({
    example: {
      staffId: '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60',
      reason: 'Close watch for two weeks after hospital discharge',
      expiresAt: '2026-12-31T23:59:59+09:00',
    },
  }),
);

export const ListQuery = v.object({
  ...pageQueryFields(['createdAt'] as const),
  active: v.optional(v.pipe(QueryBoolean, v.description('true: only grants in force; false: revoked or expired'))),
});

/** A standing access grant as the API answers it. */
export const { Item, Page } = recordSchemas('CameraAccessGrant', {
  residentId: v.pipe(Uuid, v.description('A grant covers every camera of this resident')),
  staffId: Uuid,
  grantedBy: v.nullable(Uuid),
  reason: v.string(),
  expiresAt: v.nullable(Timestamp),
  revokedAt: v.nullable(Timestamp),
  revokedBy: v.nullable(Uuid),
  active: v.pipe(v.boolean(), v.description('Not revoked and not expired: the caregiver may watch now')),
});
