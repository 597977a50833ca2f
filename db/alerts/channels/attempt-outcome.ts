import type postgres from 'postgres';
import { resendLostPushes } from './resend-lost-pushes';

/** Not a transaction: a push lost to a subscription that moved meanwhile is queued again in one of its own. */
type Sql = postgres.Sql;

/** What the provider (push service, integration) made of one request. */
export type AttemptOutcome =
  /** Accepted (2xx): the message is on its way; `delivered` comes with the receipt or the integration's callback. */
  | { kind: 'sent'; providerStatus: number; detail?: string }
  /** Worth trying again (timeout, network error, 429, 5xx): queued again, due after `retryInSeconds`. */
  | { kind: 'retry'; providerStatus: number | null; detail: string; retryInSeconds: number }
  /** Will not work (4xx, out of retries). */
  | { kind: 'failed'; providerStatus: number | null; detail: string }
  /**
   * The push service says the subscription at `endpoint` no longer exists (404/410): failed, and the subscription is
   * marked gone (no more pushes; kept a while for a late `pushsubscriptionchange`) — unless it has moved to another
   * endpoint meanwhile: then the attempt is queued again, due at once, for the new endpoint.
   */
  | { kind: 'gone'; providerStatus: number; detail: string; endpoint: string };

/** Sends again after a gone endpoint the subscription had left, counted in the attempt's tries. */
const MOVED_RESENDS = 5;

/** One leased attempt's outcome, to record. */
export interface AttemptResult {
  attemptId: string;
  outcome: AttemptOutcome;
}

/**
 * Records requests' outcomes on leased attempts, each with a history row, and releases the leases — many in one
 * statement (a busy node records a batch per commit, not one commit per push). Only a queued attempt moves: one
 * cancelled meanwhile (acknowledged elsewhere) stays cancelled, one whose receipt arrived before this outcome (a
 * push is shown within milliseconds) stays delivered and only gains its send time and status. Rows are locked in
 * id order, as every multi-row statement here locks them.
 */
export async function recordAttemptOutcomes(
  sql: Sql,
  nodeId: string,
  results: AttemptResult[],
): Promise<{ followUpError: string | null }> {
  if (results.length === 0) return { followUpError: null };
  const to = results.map(({ outcome }) =>
    outcome.kind === 'sent' ? 'sent' : outcome.kind === 'retry' ? 'queued' : 'failed',
  );
  const moved = await sql<
    {
      attemptId: string;
      subscriptionId: string | null;
      kind: AttemptOutcome['kind'];
      endpoint: string | null;
    }[]
  >`
    with input as (
      select * from unnest(${results.map((r) => r.attemptId)}::uuid[], ${to}::channel_attempt_state[],
                           ${results.map((r) => r.outcome.kind)}::text[],
                           ${results.map((r) => r.outcome.providerStatus)}::int[],
                           ${results.map((r) => r.outcome.detail ?? null)}::text[],
                           ${results.map((r) => (r.outcome.kind === 'retry' ? r.outcome.retryInSeconds : 0))}::float8[],
                           ${results.map((r) => (r.outcome.kind === 'gone' ? r.outcome.endpoint : null))}::text[])
               as t(id, to_state, kind, provider_status, detail, retry_in, endpoint)
    ), prior as materialized (
      select a.id, a.state, a.subscription_id, a.tries
        from delivery_channel_attempts a join input i on i.id = a.id
       order by a.id for update of a
    ), judged as (
      -- The subscription is joined to the attempt as it is once locked, not before: a merge of subscriptions
      -- (\`pushsubscriptionchange\`) that moved this attempt to another subscription while it waited for the lock is
      -- seen here. A gone endpoint that is no longer the subscription's: it moved while this push was on its way
      -- (sent again, a few times at most: someone flipping a subscription between dead endpoints gets no endless
      -- resends). Every other gone one is checked again after this statement, with a snapshot of its own.
      select prior.id, prior.state,
             coalesce(i.kind = 'gone' and s.endpoint <> i.endpoint and prior.tries < ${MOVED_RESENDS}, false) as moved_away
        from prior join input i on i.id = prior.id
        left join push_subscriptions s on s.id = prior.subscription_id
    ), outcome as (
      select i.*, judged.state as previous, judged.moved_away,
             case when judged.moved_away then 'queued'::channel_attempt_state else i.to_state end as next_state
        from judged join input i on i.id = judged.id
    ), moved as (
      update delivery_channel_attempts a
         set state = case when o.previous = 'queued' then o.next_state else a.state end,
             sent_at = case when o.next_state = 'sent' then coalesce(a.sent_at, now()) else a.sent_at end,
             failed_at = case when o.previous = 'queued' and o.next_state = 'failed' then now() else a.failed_at end,
             due_at = case when o.moved_away then now()
                           when o.next_state = 'queued' then now() + make_interval(secs => o.retry_in)
                           else a.due_at end,
             lease_until = null, provider_status = o.provider_status,
             detail = case when o.moved_away and o.previous = 'queued'
                           then o.detail || '; the subscription has moved: sent again to its new endpoint'
                           else o.detail end,
             updated_at = now()
        from outcome o
       where a.id = o.id
      returning a.id, o.previous, a.state, a.subscription_id, o.kind, o.provider_status, a.detail, o.moved_away,
                o.endpoint
    ), history as (
      insert into delivery_channel_attempt_history (attempt_id, from_state, to_state, node_id, provider_status, detail)
      select id, previous, state, ${nodeId}, provider_status, detail from moved where previous = 'queued'
    )
    select id as "attemptId", subscription_id as "subscriptionId", kind, endpoint
      from moved
     where subscription_id is not null and not moved_away`;
  // Statements of their own: the attempts' locks are released first, so these never hold an attempt while waiting
  // for a subscription that an unsubscribe (which nulls its attempts' references) holds. The outcomes are committed
  // by now: a failure here is returned, never thrown, or the caller would record them all again.
  const sent = moved.filter((row) => row.kind === 'sent').map((row) => row.subscriptionId);
  const gone = moved.filter((row) => row.kind === 'gone');
  try {
    if (sent.length > 0) {
      // To the minute: a device that gets many pushes is not rewritten on every one.
      await sql`
        update push_subscriptions set last_success_at = now()
         where id = any(${sent}::uuid[]) and (last_success_at is null or last_success_at < now() - interval '1 minute')`;
    }
    if (gone.length > 0) {
      // Only while the subscription still has the endpoint that was gone: one moved meanwhile is the device's new
      // one. Locked in id order first, as every multi-row statement here locks rows.
      await sql`
        with doomed as (
          select s.id from push_subscriptions s
            join unnest(${gone.map((row) => row.subscriptionId)}::uuid[], ${gone.map((row) => row.endpoint)}::text[])
                 as g(id, endpoint) on s.id = g.id and s.endpoint = g.endpoint
           order by s.id
             for update of s
        )
        update push_subscriptions set gone_at = now(), updated_at = now()
         where id in (select id from doomed) and gone_at is null`;
      // Moved to a new endpoint after the outcome above read the old one (and before the move's own resend could see
      // these attempts failed), or past the outcome's own MOVED_RESENDS: offered to `resendLostPushes`, which queues
      // again for the new endpoint under its per-delivery limit. Those the outcome queued again are not here.
      const movedMeanwhile = await sql<{ id: string }[]>`
        select s.id from push_subscriptions s
          join unnest(${gone.map((row) => row.subscriptionId)}::uuid[], ${gone.map((row) => row.endpoint)}::text[])
               as g(id, endpoint) on s.id = g.id and s.endpoint <> g.endpoint`;
      const failures: string[] = [];
      for (const { id } of movedMeanwhile) {
        const attemptIds = gone.filter((row) => row.subscriptionId === id).map((row) => row.attemptId);
        await resendLostPushes(sql, { attemptIds, to: id }).catch((error: unknown) =>
          failures.push(`queueing again the pushes subscription ${id} lost: ${(error as Error).message}`),
        );
      }
      if (failures.length > 0) return { followUpError: failures.join('; ') };
    }
  } catch (error) {
    // A gone subscription left unmarked answers 404/410 again on its next push, which marks it then.
    return { followUpError: (error as Error).message };
  }
  return { followUpError: null };
}

/** One outcome (tests, and a batch retried row by row). */
export function recordAttemptOutcome(
  sql: Sql,
  input: { attemptId: string; nodeId: string; outcome: AttemptOutcome },
): Promise<{ followUpError: string | null }> {
  return recordAttemptOutcomes(sql, input.nodeId, [{ attemptId: input.attemptId, outcome: input.outcome }]);
}
