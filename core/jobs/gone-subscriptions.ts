import { purgeGoneSubscriptions } from '../../db/alerts/channels/gone-subscriptions';
import type { Job } from './job';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A subscription its push service called gone is kept `retentionDays` for the browser's `pushsubscriptionchange`
 * (which may reach us after the 404/410 that marked it) and deleted after that.
 */
export function goneSubscriptionsPurgeJob(retentionDays: number): Job<number> {
  return {
    name: 'push-subscriptions-purge',
    exclusivity: 'advisory-lock',
    description: 'deletes push subscriptions gone at their push service longer than PUSH_GONE_RETENTION_DAYS',
    run: (sql, now) => purgeGoneSubscriptions(sql, new Date(now.getTime() - retentionDays * DAY_MS)),
  };
}
