import type { AlertChange } from '../db/alerts/channel';
import { staffNames } from '../db/alerts/dispatch';
import type { ClaimedDelivery, PeekedDelivery } from '../db/alerts/outstanding';
import type { AlertSnapshot } from '../db/alerts/snapshot';
import type { Sql } from '../db/client';
import type { Client } from './client';
import type { ConnectionRegistry } from './connection-registry';
import { encode, encodeAlertFrame } from './frames';
import type { FirstSendTiming, Metrics } from './metrics';

export type UpdateChange = Exclude<AlertChange, 'created'>;

/**
 * Hands each delivery's `alert` frame to every connection of its staff member here, in the order given. Each
 * alert is encoded once per batch; only the delivery id and sequence differ per frame. `backlog`: staff whose
 * connection just opened; what they get now is their backlog, paced, never "too slow".
 */
export function sendDeliveries(
  { registry, metrics }: { registry: ConnectionRegistry<Client>; metrics: Metrics },
  deliveries: (ClaimedDelivery | PeekedDelivery)[],
  snapshots: Map<string, AlertSnapshot>,
  backlog: Set<string>,
  timings: Map<string, FirstSendTiming>,
): void {
  const alertJson = new Map<string, string>();
  const now = Date.now();
  for (const delivery of deliveries) {
    const clients = registry.connectionsOf(delivery.staffId);
    const snapshot = snapshots.get(delivery.alertId);
    if (!clients || !snapshot) continue;
    let json = alertJson.get(delivery.alertId);
    if (json === undefined) {
      json = JSON.stringify(snapshot);
      alertJson.set(delivery.alertId, json);
    }
    const frame = encodeAlertFrame(delivery.id, delivery.seq, json);
    const isBacklog = backlog.has(delivery.staffId);
    const timing = timings.get(delivery.id);
    for (const client of clients) {
      client.deliver({ deliveryId: delivery.id, seq: delivery.seq, frame, timing }, isBacklog);
    }
    if ('sendCount' in delivery && delivery.sendCount === 1)
      metrics.observeDeliveryLatency((now - delivery.pendingAtMs) / 1000);
  }
}

/** One `alert.updated` per changed alert, encoded once, to each connected staff member who was told about it. */
export async function sendUpdates(
  { sql, registry }: { sql: Sql; registry: ConnectionRegistry<Client> },
  updates: [string, UpdateChange][],
  targets: { alertId: string; staffId: string }[],
  snapshots: Map<string, AlertSnapshot>,
): Promise<void> {
  const byAlert = new Map<string, string[]>();
  for (const target of targets) byAlert.set(target.alertId, [...(byAlert.get(target.alertId) ?? []), target.staffId]);
  const names = await staffNames(
    sql,
    [...snapshots.values()].flatMap((snapshot) => [snapshot.acknowledgedBy, snapshot.resolvedBy]).filter(isId),
  );
  for (const [alertId, change] of updates) {
    const staffIds = byAlert.get(alertId);
    const alert = snapshots.get(alertId);
    if (!staffIds || !alert) continue;
    const actor = change === 'acknowledged' ? alert.acknowledgedBy : change === 'resolved' ? alert.resolvedBy : null;
    const by = actor ? { staffId: actor, name: names.get(actor) ?? '' } : undefined;
    registry.broadcastToStaff(staffIds, encode({ type: 'alert.updated', alertId, change, alert, by }));
  }
}

function isId(value: string | null): value is string {
  return value !== null;
}
