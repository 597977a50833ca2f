import type postgres from 'postgres';
import type { ClearedAlert } from '../../db/alerts/clear-alert';
import { resolveBySystemCtes } from '../../db/alerts/resolve-by-system';
import type { AlertKind } from '../../db/schema/alerts';
import type { HubContext } from './hub-auth';
import type { DetectionEvent } from './rules';
import { eventRules } from './rules';
import type { HubStatus } from './validate-batch';

export interface StoredBatch {
  /** Positions (into the given events) of the rows this call inserted; the others were stored before: duplicates. */
  inserted: Set<number>;
  /** Self-clearing alerts this batch resolved (hub heard from again, activity resumed, mains power back). */
  resolved: ClearedAlert[];
}

/**
 * Stores a batch in ONE statement, so a routine batch costs one round trip and is atomic on its own:
 * - the events: `insert … select from unnest(…) on conflict (hub_id, event_id, time) do nothing` — the database's
 *   unique key decides what is a duplicate, so a retried batch can never be stored twice;
 * - the hub's heartbeat (last seen, firmware, battery, power), the resident's last activity and presence, and each
 *   device's last event and battery — computed from every valid event, duplicates included, with `greatest()` and
 *   time guards so a replay changes nothing;
 * - the self-clearing alerts named by `selfClearing`, resolved by the system through the alert state machine's
 *   set-based `resolveBySystemCtes` (NOTIFY on commit, outstanding deliveries superseded, history written).
 */
export async function storeBatch(
  sql: postgres.Sql | postgres.TransactionSql,
  hub: HubContext,
  status: HubStatus,
  events: DetectionEvent[],
  selfClearing: { dedupKeys: string[]; note: string },
  /** False only for the optimistic first try (see `storeRoutineBatch`); the unique key still guards it. */
  duplicatesPossible = true,
): Promise<StoredBatch> {
  let lastActivity: Date | null = null;
  let presence: { mode: 'out' | 'home'; at: Date } | null = null;
  const devices = new Map<string, { at: Date; battery: number | null }>();
  for (const event of events) {
    const rule = eventRules[event.kind];
    if (rule.activity && (!lastActivity || event.time > lastActivity)) lastActivity = event.time;
    if (rule.presence && (!presence || event.time >= presence.at)) presence = { mode: rule.presence, at: event.time };
    if (event.deviceId) {
      const seen = devices.get(event.deviceId);
      const battery =
        event.kind === 'battery' && event.value != null ? Math.min(100, Math.max(0, Math.round(event.value))) : null;
      if (!seen || event.time >= seen.at)
        devices.set(event.deviceId, { at: event.time, battery: battery ?? seen?.battery ?? null });
    }
  }
  const deviceIds = [...devices.keys()];
  const deviceTimes = deviceIds.map((id) => devices.get(id)?.at.toISOString() ?? null);
  const deviceBatteries = deviceIds.map((id) => {
    const battery = devices.get(id)?.battery;
    return battery == null ? null : String(battery);
  });
  const activityAt = lastActivity?.toISOString() ?? null;
  const presenceAt = presence?.at.toISOString() ?? null;

  const rows = await sql<
    { eventId: string | null; ms: number | null; alertId: string | null; alertKind: AlertKind | null }[]
  >`
    with input as (
      -- ::text first: a parameter typed json is JSON.stringify'd again by postgres.js (a scalar string).
      select * from json_to_recordset(${eventsJson(events)}::text::json)
               as t(t timestamptz, d uuid, k sensor_event_kind, v float8, p jsonb, e text)
    ), inserted as (
      insert into sensor_events (time, org_id, resident_id, hub_id, device_id, kind, value, payload, event_id)
      select t, ${hub.orgId}::uuid, ${hub.residentId}::uuid, ${hub.id}::uuid, d, k, v, p, e
        from input
      ${duplicatesPossible ? sql`on conflict (hub_id, event_id, time) do nothing` : sql``}
      returning event_id, time
    ), hub as (
      update hubs set last_seen_at = now(),
             firmware = coalesce(${status.firmware ?? null}, firmware),
             battery_pct = coalesce(${status.batteryPct ?? null}::int, battery_pct),
             power_state = coalesce(${status.powerState ?? null}::hub_power_state, power_state)
       where id = ${hub.id}
    ), resident as (
      update residents set
             last_activity_at = greatest(last_activity_at, ${activityAt}::timestamptz),
             presence = case when ${presenceAt}::timestamptz > presence_changed_at
                             then coalesce(${presence?.mode ?? null}::presence_mode, presence) else presence end,
             presence_changed_at = greatest(presence_changed_at, ${presenceAt}::timestamptz)
       where id = ${hub.residentId}::uuid and (${activityAt}::timestamptz is not null or ${presenceAt}::timestamptz is not null)
    ), device as (
      update devices d set last_event_at = greatest(d.last_event_at, u.at),
             battery_pct = case when u.battery is not null and u.at >= coalesce(d.last_event_at, u.at)
                                then u.battery else d.battery_pct end
        from (select id::uuid, at::timestamptz, battery::int
                from unnest(${deviceIds}::text[], ${deviceTimes}::text[], ${deviceBatteries}::text[]) as t(id, at, battery)) u
       where d.id = u.id and d.hub_id = ${hub.id}
    ), ${resolveBySystemCtes(sql, { orgId: hub.orgId, ...selfClearing })}
    select event_id as "eventId", (extract(epoch from time) * 1000)::float8 as ms, null::text as "alertId",
           null::alert_kind as "alertKind"
      from inserted
    union all
    select null, null, id::text, kind from resolved`;

  // Times were sent with millisecond precision, so (event id, epoch ms) names each inserted row exactly.
  const insertedKeys = new Set<string>();
  const resolved: ClearedAlert[] = [];
  for (const row of rows) {
    if (row.alertId && row.alertKind) resolved.push({ alertId: row.alertId, kind: row.alertKind, resolved: true });
    else if (row.eventId != null && row.ms != null) insertedKeys.add(`${row.eventId}\u0000${Math.round(row.ms)}`);
  }
  const inserted = new Set<number>();
  events.forEach((event, position) => {
    if (insertedKeys.has(`${event.eventId}\u0000${event.time.getTime()}`)) inserted.add(position);
  });
  return { inserted, resolved };
}

/**
 * A routine batch outside a transaction. Most batches are new, so the first try is a plain INSERT (PostgreSQL's
 * speculative insertion for ON CONFLICT costs about a third more per row); if the unique key
 * (hub_id, event_id, time) rejects it — a retried batch — the statement has changed nothing and runs again with
 * ON CONFLICT DO NOTHING. Either way the database, not memory, decides what is a duplicate.
 */
export async function storeRoutineBatch(
  sql: postgres.Sql,
  hub: HubContext,
  status: HubStatus,
  events: DetectionEvent[],
  selfClearing: { dedupKeys: string[]; note: string },
): Promise<StoredBatch> {
  try {
    return await storeBatch(sql, hub, status, events, selfClearing, false);
  } catch (error) {
    const { code, constraint_name } = error as { code?: string; constraint_name?: string };
    if (code !== '23505' || constraint_name !== 'sensor_events_hub_event_time_key') throw error;
    return storeBatch(sql, hub, status, events, selfClearing, true);
  }
}

/**
 * The batch as one JSON parameter for `json_to_recordset`: one native JSON.stringify here and one C parse in
 * PostgreSQL, instead of six escaped array literals built in JavaScript — the cheapest single round trip we found.
 */
function eventsJson(events: DetectionEvent[]): string {
  return JSON.stringify(
    events.map((event) => ({
      t: event.time.toISOString(),
      d: event.deviceId,
      k: event.kind,
      v: event.value,
      p: event.payload,
      e: event.eventId,
    })),
  );
}
