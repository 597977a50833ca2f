import type postgres from 'postgres';

type Sql = postgres.Sql | postgres.TransactionSql;

/** What the provider (push service, integration) made of one request. */
export type AttemptOutcome =
  /** Accepted (2xx): the message is on its way; `delivered` comes with the receipt or the integration's callback. */
  | { kind: 'sent'; providerStatus: number; detail?: string }
  /** Worth trying again (timeout, network error, 429, 5xx): queued again, due after `retryInSeconds`. */
  | { kind: 'retry'; providerStatus: number | null; detail: string; retryInSeconds: number }
  /** Will not work (4xx, out of retries). */
  | { kind: 'failed'; providerStatus: number | null; detail: string }
  /** The push service says the subscription no longer exists (404/410): failed, and the subscription is deleted. */
  | { kind: 'gone'; providerStatus: number; detail: string };

/**
 * Records one request's outcome on a leased attempt, with a history row, and releases the lease. Only a queued
 * attempt moves: one cancelled meanwhile (acknowledged elsewhere) stays cancelled, one whose receipt arrived before
 * this outcome (a push is shown within milliseconds) stays delivered and only gains its send time and status.
 */
export async function recordAttemptOutcome(
  sql: Sql,
  input: { attemptId: string; nodeId: string; outcome: AttemptOutcome },
): Promise<void> {
  const { outcome } = input;
  const to = outcome.kind === 'sent' ? 'sent' : outcome.kind === 'retry' ? 'queued' : 'failed';
  const detail = outcome.detail ?? null;
  const retryIn = outcome.kind === 'retry' ? outcome.retryInSeconds : 0;
  const [moved] = await sql<{ subscriptionId: string | null }[]>`
    with prior as materialized (
      select id, state from delivery_channel_attempts where id = ${input.attemptId} for update
    ), moved as (
      update delivery_channel_attempts a
         set state = case when prior.state = 'queued' then ${to}::channel_attempt_state else a.state end,
             sent_at = case when ${to} = 'sent' then coalesce(a.sent_at, now()) else a.sent_at end,
             failed_at = case when prior.state = 'queued' and ${to} = 'failed' then now() else a.failed_at end,
             due_at = case when ${to} = 'queued' then now() + make_interval(secs => ${retryIn}::float8) else a.due_at end,
             lease_until = null, provider_status = ${outcome.providerStatus}, detail = ${detail}, updated_at = now()
        from prior where a.id = prior.id
      returning a.id, prior.state as previous, a.state, a.subscription_id
    ), history as (
      insert into delivery_channel_attempt_history (attempt_id, from_state, to_state, node_id, provider_status, detail)
      select id, previous, state, ${input.nodeId}, ${outcome.providerStatus}, ${detail} from moved
       where previous = 'queued'
    )
    select subscription_id as "subscriptionId" from moved`;
  // A statement of its own: the attempt's lock is released first, so this never holds an attempt while waiting
  // for a subscription that an unsubscribe (which nulls its attempts' references) holds.
  const subscriptionId = moved?.subscriptionId;
  if (!subscriptionId) return;
  if (outcome.kind === 'sent')
    await sql`update push_subscriptions set last_success_at = now() where id = ${subscriptionId}`;
  if (outcome.kind === 'gone') await sql`delete from push_subscriptions where id = ${subscriptionId}`;
}
