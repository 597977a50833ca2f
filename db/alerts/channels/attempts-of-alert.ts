import type postgres from 'postgres';
import type { DeliveryState } from '../../schema/alerts';
import type { ChannelAttemptState } from '../../schema/notifications';

type Sql = postgres.Sql | postgres.TransactionSql;

export interface ChannelAttemptView {
  id: string;
  channel: 'dashboard' | 'push' | 'webhook';
  state: ChannelAttemptState;
  /** The device (push subscription's user agent) or endpoint name; null for the dashboard. */
  target: string | null;
  dueAt: string | null;
  updatedAt: string;
  tries: number;
  providerStatus: number | null;
  detail: string | null;
}

export interface DeliveryView {
  deliveryId: string;
  staffId: string;
  staffName: string;
  state: DeliveryState;
  escalationLevel: number;
  retrigger: number;
  createdAt: string;
  deliveredAt: string | null;
  acknowledgedAt: string | null;
  attempts: ChannelAttemptView[];
}

/**
 * Who was told about an alert and how: each delivery with its channel attempts, the dashboard first. The dashboard
 * attempt is the delivery itself (pending = queued, sent, delivered or acknowledged = delivered, failed, superseded
 * = cancelled), so the WebSocket path writes nothing extra for it.
 */
export async function attemptsOfAlert(sql: Sql, alertId: string): Promise<DeliveryView[]> {
  return sql<DeliveryView[]>`
    select d.id as "deliveryId", d.staff_id as "staffId", s.name as "staffName", d.state,
           d.escalation_level as "escalationLevel", d.retrigger, d.pending_at as "createdAt",
           d.delivered_at as "deliveredAt", d.acknowledged_at as "acknowledgedAt",
           json_build_array(json_build_object(
             'id', d.id, 'channel', 'dashboard',
             'state', case d.state when 'pending' then 'queued' when 'acknowledged' then 'delivered'
                                   when 'superseded' then 'cancelled' else d.state::text end,
             'target', null, 'dueAt', d.pending_at,
             'updatedAt', greatest(d.pending_at, d.sent_at, d.delivered_at, d.acknowledged_at, d.failed_at,
                                   d.superseded_at),
             'tries', d.send_count, 'providerStatus', null, 'detail', d.last_error
           ))::jsonb || coalesce((
             select jsonb_agg(jsonb_build_object(
               'id', a.id, 'channel', a.channel, 'state', a.state,
               'target', coalesce(ps.user_agent, e.name), 'dueAt', a.due_at, 'updatedAt', a.updated_at,
               'tries', a.tries, 'providerStatus', a.provider_status, 'detail', a.detail
             ) order by a.due_at, a.channel)
               from delivery_channel_attempts a
               left join push_subscriptions ps on ps.id = a.subscription_id
               left join webhook_endpoints e on e.id = a.endpoint_id
              where a.delivery_id = d.id
           ), '[]'::jsonb) as attempts
      from alert_deliveries d join staff s on s.id = d.staff_id
     where d.alert_id = ${alertId}
     order by d.retrigger, d.escalation_level, s.name`;
}
