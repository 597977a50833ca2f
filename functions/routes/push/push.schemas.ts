import * as v from 'valibot';
import { StorableText, Uuid } from '../../lib/schemas';
import { base64Url, CreateBody } from '../push-subscriptions/push-subscriptions.schemas';

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

export const SubscriptionChangeBody = v.pipe(
  v.strictObject({
    oldEndpoint: v.pipe(StorableText, v.maxLength(2048), v.description('`oldSubscription.endpoint`')),
    oldAuth: v.pipe(
      base64Url('auth secret', 16),
      v.description('`oldSubscription.toJSON().keys.auth`: the secret only that browser and this server know'),
    ),
    subscription: v.pipe(CreateBody, v.description('`newSubscription.toJSON()` (the one that replaces it)')),
  }),
  v.metadata({
    ref: 'PushSubscriptionChangeBody',
    example: {
      oldEndpoint: 'https://fcm.googleapis.com/fcm/send/dGhpcyBpcyBhbiBleGFtcGxl',
      oldAuth: 'tBHItJI5svbpez7KI4CCXg',
      subscription: {
        endpoint: 'https://fcm.googleapis.com/fcm/send/bmV3IHN1YnNjcmlwdGlvbg',
        expirationTime: null,
        keys: {
          p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
          auth: 'q1lVtYpVwx4IOnIFNMZkhg',
        },
      },
    },
  }),
);
