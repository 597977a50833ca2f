import * as v from 'valibot';
import { Uuid } from '../../lib/schemas';

export const PushConfigSchema = v.pipe(
  v.object({
    publicKey: v.pipe(
      v.nullable(v.string()),
      v.description('The VAPID public key for `pushManager.subscribe({ applicationServerKey })`; null: push is off'),
    ),
  }),
  v.metadata({ ref: 'PushConfig' }),
);

export const ActionTokenBody = v.pipe(
  v.strictObject({
    token: v.pipe(
      v.string(),
      v.maxLength(200),
      v.description('The `token` of the push message: bound to one notification, short-lived, acknowledges once'),
    ),
  }),
  v.metadata({ ref: 'ActionTokenBody' }),
);

export const PushAckSchema = v.pipe(
  v.object({
    outcome: v.pipe(
      v.picklist(['acknowledged', 'already']),
      v.description('`already`: someone acknowledged the alert first; nothing changed'),
    ),
    alertId: Uuid,
  }),
  v.metadata({ ref: 'PushAck' }),
);
