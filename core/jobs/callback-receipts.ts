import { pruneCallbackReceipts } from '../../db/alerts/channels/callback-receipts';
import { REPLAY_WINDOW_SECONDS } from '../notify/webhook-signature';
import type { Job } from './job';

/**
 * Integration callback ids only need remembering while a replay could still pass the timestamp check: older ones
 * are deleted (twice the window, so a callback with a clock a little ahead is still remembered).
 */
export const callbackReceiptsPruneJob: Job<number> = {
  name: 'webhook-callback-receipts-prune',
  exclusivity: 'advisory-lock',
  description: 'forgets integration callback ids older than twice the replay window',
  run: (sql, now) => pruneCallbackReceipts(sql, new Date(now.getTime() - 2 * REPLAY_WINDOW_SECONDS * 1000)),
};
