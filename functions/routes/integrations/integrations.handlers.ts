import type { StandardSchemaV1 } from '@standard-schema/spec';
import type * as v from 'valibot';
import { endpointSecret, verifyWebhookSignature, WEBHOOK_HEADERS } from '../../../core/notify/webhook-signature';
import {
  findAttempt,
  type ReportedAttempt,
  recordAttemptFailedByProvider,
  recordAttemptReceived,
} from '../../../db/alerts/channels/attempt-reports';
import { acknowledgeThroughAttempt } from '../../lib/acknowledge-through-attempt';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { ApiError } from '../../lib/problem';
import { fieldErrors } from '../../lib/validate';
import * as routes from './integrations.routes';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const unauthorized = (detail: string) => new ApiError({ code: 'UNAUTHORIZED', detail });

export const callback = handle(...routes.callback, async (c) => {
  const { config, sql } = c.env.services;
  const signingKey = config.INTEGRATION_SIGNING_KEY;
  if (!signingKey) throw new ApiError({ code: 'UNAVAILABLE', detail: 'Webhooks are not configured' });
  const endpointId = c.req.header(WEBHOOK_HEADERS.endpoint) ?? '';
  const callbackId = c.req.header(WEBHOOK_HEADERS.id) ?? '';
  if (!UUID.test(endpointId)) throw unauthorized('Missing or malformed CareWatch-Endpoint');
  if (callbackId.length === 0 || callbackId.length > 200)
    throw unauthorized('Missing or malformed CareWatch-Webhook-Id');
  const [endpoint] = await sql<{ id: string; orgId: string; name: string; secretVersion: number }[]>`
    select id, org_id as "orgId", name, secret_version as "secretVersion" from webhook_endpoints
     where id = ${endpointId} and active`;
  // An unknown and a disabled endpoint look the same as a bad signature: nothing to learn by probing.
  if (!endpoint) throw unauthorized('Bad signature');
  const raw = await c.req.text();
  const signature = await verifyWebhookSignature(
    await endpointSecret(signingKey, endpoint.id, endpoint.secretVersion),
    { timestamp: c.req.header(WEBHOOK_HEADERS.timestamp), signature: c.req.header(WEBHOOK_HEADERS.signature) },
    raw,
  );
  if (!signature.valid) {
    throw unauthorized(
      signature.reason === 'stale-timestamp' ? 'Timestamp outside the replay window' : 'Bad signature',
    );
  }
  const body = parseBody(raw);
  const attempt = await findAttempt(sql, body.attemptId);
  if (!attempt || attempt.endpointId !== endpoint.id || attempt.orgId !== endpoint.orgId) {
    throw new ApiError({ code: 'NOT_FOUND', detail: 'No such call to this endpoint' });
  }
  const [fresh] = await sql`
    insert into webhook_callback_receipts (endpoint_id, callback_id) values (${endpoint.id}, ${callbackId})
    on conflict do nothing returning callback_id`;
  if (!fresh) throw new ApiError({ code: 'CONFLICT', detail: 'This request was received before (replay)' });
  const nodeId = `integration:${endpoint.id}`;
  const detail = body.detail ? `${endpoint.name}: ${body.detail}` : endpoint.name;
  try {
    return c.json({ outcome: await applyReport(c, attempt, body.status, { nodeId, detail }) }, 200);
  } catch (error) {
    // Not applied: the integration may send the same request again, which must not look like a replay.
    await sql`delete from webhook_callback_receipts where endpoint_id = ${endpoint.id} and callback_id = ${callbackId}`;
    throw error;
  }
});

/** What the integration reported, applied: the outcome the callback answers. */
async function applyReport(
  c: AppContext,
  attempt: ReportedAttempt,
  status: 'delivered' | 'failed' | 'acknowledged',
  input: { nodeId: string; detail: string },
): Promise<'delivered' | 'failed' | 'acknowledged' | 'already'> {
  const { sql } = c.env.services;
  if (status === 'delivered') {
    return (await recordAttemptReceived(sql, attempt, input)) === 'delivered' ? 'delivered' : 'already';
  }
  if (status === 'failed') return (await recordAttemptFailedByProvider(sql, attempt.id, input)) ? 'failed' : 'already';
  return acknowledgeThrough(c, attempt, input);
}

async function acknowledgeThrough(
  c: AppContext,
  attempt: ReportedAttempt,
  input: { nodeId: string; detail: string },
): Promise<'acknowledged' | 'already'> {
  const result = await acknowledgeThroughAttempt(c.env.services, attempt, {
    nodeId: input.nodeId,
    detail: `acknowledged through ${input.detail}`,
    spendActionToken: false,
    inactive: () => new ApiError({ code: 'CONFLICT', detail: 'The staff member of this call is no longer active' }),
  });
  if (result.outcome === 'acknowledged' || result.outcome === 'already') return result.outcome;
  throw new ApiError({ code: 'NOT_FOUND', detail: 'No such call to this endpoint' });
}

function parseBody(raw: string): v.InferOutput<typeof routes.CallbackBody> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ApiError({ code: 'BAD_REQUEST', detail: 'The body is not JSON' });
  }
  // valibot validates synchronously; the Standard Schema form gives the issues the API's field errors are made of.
  const result = routes.CallbackBody['~standard'].validate(json) as StandardSchemaV1.Result<
    v.InferOutput<typeof routes.CallbackBody>
  >;
  if (!result.issues) return result.value;
  throw new ApiError({
    code: 'VALIDATION_FAILED',
    detail: 'The callback body is invalid',
    errors: fieldErrors('json', result.issues),
  });
}
