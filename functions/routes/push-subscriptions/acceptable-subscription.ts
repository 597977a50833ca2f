import type * as v from 'valibot';
import { checkOutboundUrl } from '../../../core/net/outbound-url';
import type { AppContext } from '../../lib/context';
import { ApiError } from '../../lib/problem';
import type { CreateBody } from './push-subscriptions.schemas';

/** What is stored of a browser's subscription. */
export interface SubscriptionValues {
  /** Normalised (`URL.href`): the form every lookup by endpoint uses. */
  endpoint: string;
  p256dh: string;
  auth: string;
  userAgent: string | null;
}

/**
 * A browser's `PushSubscription.toJSON()` as it will be stored, or a 422 naming the field (under `field`, e.g.
 * `body` or `body.subscription`): the endpoint must be an https URL on a public host (any host in test mode), and
 * p256dh a point the push library can encrypt for — refused now, not at the first alert.
 */
export async function acceptableSubscription(
  c: AppContext,
  body: v.InferOutput<typeof CreateBody>,
  field: string,
): Promise<SubscriptionValues> {
  const checked = checkOutboundUrl(body.endpoint, { allowPrivate: c.env.services.config.OUTBOUND_ALLOW_PRIVATE });
  if (!checked.ok) {
    throw new ApiError({
      code: 'VALIDATION_FAILED',
      detail: 'The push endpoint is not acceptable',
      errors: [{ field: `${field}.endpoint`, message: checked.detail }],
    });
  }
  await assertPublicKeyOnCurve(body.keys.p256dh, `${field}.keys.p256dh`);
  return {
    endpoint: checked.url.href,
    p256dh: body.keys.p256dh,
    auth: body.keys.auth,
    userAgent: body.userAgent ?? null,
  };
}

async function assertPublicKeyOnCurve(p256dh: string, field: string): Promise<void> {
  const bytes = Uint8Array.from(atob(p256dh.replaceAll('-', '+').replaceAll('_', '/').replace(/=+$/, '')), (ch) =>
    ch.charCodeAt(0),
  );
  try {
    await crypto.subtle.importKey('raw', bytes, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  } catch {
    throw new ApiError({
      code: 'VALIDATION_FAILED',
      detail: 'The subscription keys are not usable',
      errors: [{ field, message: 'is not a point on the P-256 curve' }],
    });
  }
}
