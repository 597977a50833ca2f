import * as v from 'valibot';
import { IdParam, StorableText, Timestamp, Uuid } from '../../lib/schemas';

export const base64Url = (what: string, bytes: number) =>
  v.pipe(
    v.string(),
    v.regex(/^[A-Za-z0-9_-]+={0,2}$/, `must be base64url (the browser's ${what})`),
    v.check(
      (text) => Math.floor((text.replace(/=+$/, '').length * 3) / 4) === bytes,
      `must encode ${bytes} bytes (the browser's ${what})`,
    ),
  );

/** `PushSubscription.toJSON()` as the browser gives it, and where it was made. */
export const CreateBody = v.pipe(
  v.strictObject({
    endpoint: v.pipe(StorableText, v.maxLength(2048), v.description('The push service URL; https')),
    expirationTime: v.optional(v.nullable(v.number())),
    keys: v.strictObject({
      p256dh: base64Url('P-256 public key', 65),
      auth: base64Url('auth secret', 16),
    }),
    userAgent: v.optional(v.pipe(StorableText, v.maxLength(300))),
  }),
  v.metadata({
    ref: 'PushSubscriptionBody',
    example: {
      endpoint: 'https://fcm.googleapis.com/fcm/send/dGhpcyBpcyBhbiBleGFtcGxl',
      expirationTime: null,
      keys: {
        p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
        auth: 'tBHItJI5svbpez7KI4CCXg',
      },
      userAgent: 'Mozilla/5.0 (Linux; Android 14) Chrome/131',
    },
  }),
);

export const ItemParam = IdParam;

export const ItemSchema = v.pipe(
  v.object({
    id: Uuid,
    endpoint: v.string(),
    userAgent: v.nullable(v.string()),
    createdAt: Timestamp,
    lastSuccessAt: v.pipe(v.nullable(Timestamp), v.description('When the push service last accepted a message for it')),
    goneAt: v.pipe(
      v.nullable(Timestamp),
      v.description(
        'When its push service said the subscription no longer exists (404/410): nothing is sent to it until the browser moves it (pushsubscriptionchange) or subscribes again; removed after PUSH_GONE_RETENTION_DAYS',
      ),
    ),
  }),
  v.metadata({ ref: 'PushSubscription' }),
);

export const ListSchema = v.pipe(v.object({ items: v.array(ItemSchema) }), v.metadata({ ref: 'PushSubscriptionList' }));
