import type postgres from 'postgres';
import type { HubContext } from './hub-auth';
import type { DetectionEvent } from './rules';
import { eventRules } from './rules';
import type { HubStatus } from './validate-batch';

type Tx = postgres.TransactionSql;

/**
 * Inserts a batch in one statement (`insert … select from unnest(…) on conflict do nothing`) and returns the
 * positions (into `events`) of the rows this call inserted; the others were already stored: duplicates. The
 * database's unique key (hub, event id, time) decides, so a retried batch can never be stored twice.
 */
export async function insertEvents(tx: Tx, hub: HubContext, events: DetectionEvent[]): Promise<Set<number>> {
  if (events.length === 0) return new Set();
  const rows = await tx<{ i: number }[]>`
    with input as (
      select * from unnest(${events.map((e) => e.time.toISOString())}::text[],
                           ${events.map((e) => e.deviceId)}::text[],
                           ${events.map((e) => e.kind)}::text[],
                           ${events.map((e) => (e.value == null ? null : String(e.value)))}::text[],
                           ${events.map((e) => (e.payload == null ? null : JSON.stringify(e.payload)))}::text[],
                           ${events.map((e) => e.eventId)}::text[])
               with ordinality as t(time, device_id, kind, value, payload, event_id, i)
    ), inserted as (
      insert into sensor_events (time, org_id, resident_id, hub_id, device_id, kind, value, payload, event_id)
      select time::timestamptz, ${hub.orgId}::uuid, ${hub.residentId}::uuid, ${hub.id}::uuid, device_id::uuid,
             kind::sensor_event_kind, value::float8, payload::jsonb, event_id
        from input
      on conflict (hub_id, event_id, time) do nothing
      returning event_id, time
    )
    select (input.i - 1)::int as i
      from input join inserted on inserted.event_id = input.event_id and inserted.time = input.time::timestamptz`;
  return new Set(rows.map((row) => row.i));
}

/**
 * Everything a batch changes besides events, in one statement: the hub's heartbeat (last seen, firmware,
 * battery, power), the resident's last activity and presence, and each device's last event and battery.
 */
export async function recordHubState(
  tx: Tx,
  hub: HubContext,
  status: HubStatus,
  accepted: DetectionEvent[],
): Promise<void> {
  let lastActivity: Date | null = null;
  let presence: { mode: 'out' | 'home'; at: Date } | null = null;
  const devices = new Map<string, { at: Date; battery: number | null }>();
  for (const event of accepted) {
    const rule = eventRules[event.kind];
    if (rule.activity && (!lastActivity || event.time > lastActivity)) lastActivity = event.time;
    if (rule.presence && (!presence || event.time >= presence.at)) presence = { mode: rule.presence, at: event.time };
    if (event.deviceId) {
      const seen = devices.get(event.deviceId);
      const battery = event.kind === 'battery' && event.value != null ? Math.round(event.value) : null;
      if (!seen || event.time >= seen.at)
        devices.set(event.deviceId, { at: event.time, battery: battery ?? seen?.battery ?? null });
    }
  }
  const deviceIds = [...devices.keys()];
  const deviceTimes = deviceIds.map((id) => devices.get(id)?.at.toISOString() ?? null);
  const deviceBatteries = deviceIds.map((id) => {
    const battery = devices.get(id)?.battery;
    return battery == null ? null : String(Math.min(100, Math.max(0, battery)));
  });
  await tx`
    with hub as (
      update hubs set last_seen_at = now(),
             firmware = coalesce(${status.firmware ?? null}, firmware),
             battery_pct = coalesce(${status.batteryPct ?? null}::int, battery_pct),
             power_state = coalesce(${status.powerState ?? null}::hub_power_state, power_state)
       where id = ${hub.id}
    ), resident as (
      update residents set
             last_activity_at = case when ${lastActivity?.toISOString() ?? null}::timestamptz is null then last_activity_at
                                     else greatest(last_activity_at, ${lastActivity?.toISOString() ?? null}::timestamptz) end,
             presence = coalesce(${presence?.mode ?? null}::presence_mode, presence),
             presence_changed_at = case when ${presence?.mode ?? null}::presence_mode is null then presence_changed_at
                                        else ${presence?.at.toISOString() ?? null}::timestamptz end
       where id = ${hub.residentId}::uuid
         and (${lastActivity !== null} or ${presence !== null})
    )
    update devices d set last_event_at = greatest(d.last_event_at, u.at),
           battery_pct = coalesce(u.battery, d.battery_pct)
      from (select id::uuid, at::timestamptz, battery::int
              from unnest(${deviceIds}::text[], ${deviceTimes}::text[], ${deviceBatteries}::text[]) as t(id, at, battery)) u
     where d.id = u.id and d.hub_id = ${hub.id}`;
}
