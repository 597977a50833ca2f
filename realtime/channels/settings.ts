import { ConfigError, OUTBOUND_PRIVATE_MESSAGE, outboundPrivateOnlyInTests } from '../../core/env';
import type { RealtimeConfig } from '../env';
import type { PushSettings } from './push-sender';
import { VapidAuthorization } from './vapid-authorization';
import type { WebhookSettings } from './webhook-sender';

export interface ChannelSettings {
  push?: PushSettings;
  webhook?: WebhookSettings;
  concurrency: number;
  leaseSeconds: number;
  pollMs: number;
}

/**
 * The channel sender's settings from the node's configuration: push when both VAPID keys are set, webhooks when the
 * signing key is. Throws ConfigError for combinations no single field can refuse.
 */
export function channelSettings(config: RealtimeConfig): ChannelSettings {
  const problems: string[] = [];
  if (!outboundPrivateOnlyInTests(config)) problems.push(OUTBOUND_PRIVATE_MESSAGE);
  if (config.CHANNEL_LEASE_SECONDS * 1000 < 2 * config.CHANNEL_TIMEOUT_MS) {
    problems.push(
      'CHANNEL_LEASE_SECONDS must be at least twice CHANNEL_TIMEOUT_MS: a slow request would be sent twice',
    );
  }
  if ((config.VAPID_PUBLIC_KEY === undefined) !== (config.VAPID_PRIVATE_KEY === undefined)) {
    problems.push('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set together');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const common = {
    publicUrl: config.PUBLIC_URL,
    timeoutMs: config.CHANNEL_TIMEOUT_MS,
    allowPrivate: config.OUTBOUND_ALLOW_PRIVATE,
    retry: { maxTries: config.CHANNEL_MAX_TRIES },
  };
  const { VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey } = config;
  return {
    push:
      publicKey && privateKey
        ? {
            ...common,
            vapid: new VapidAuthorization({ subject: config.VAPID_SUBJECT, publicKey, privateKey }),
            jwtSecret: config.JWT_SECRET,
            ttlSeconds: config.PUSH_TTL_SECONDS,
            actionTokenSeconds: config.PUSH_ACTION_TOKEN_SECONDS,
          }
        : undefined,
    webhook: config.INTEGRATION_SIGNING_KEY ? { ...common, signingKey: config.INTEGRATION_SIGNING_KEY } : undefined,
    concurrency: config.CHANNEL_CONCURRENCY,
    leaseSeconds: config.CHANNEL_LEASE_SECONDS,
    pollMs: config.CHANNEL_POLL_MS,
  };
}
