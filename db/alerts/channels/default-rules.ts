import type { AlertSeverity } from '../../schema/alerts';
import type { ChannelRule } from '../../schema/notifications';

/**
 * The channels an organisation gets before it writes rules of its own. The dashboard is always on and is not
 * listed. Critical and high alerts reach phones at once; a medium one after a minute if the dashboard has not
 * confirmed it; a low one (a battery to change) stays on the dashboard. Webhooks need an endpoint, so none by
 * default.
 */
export const defaultChannelRules: Readonly<Record<AlertSeverity, readonly ChannelRule[]>> = {
  critical: [{ channel: 'push', delaySeconds: 0 }],
  high: [{ channel: 'push', delaySeconds: 0 }],
  medium: [{ channel: 'push', delaySeconds: 60, unlessReceived: true }],
  low: [],
};
