import type postgres from 'postgres';
import { detectionDefaults } from '../defaults';

type Tx = postgres.TransactionSql;

export interface FalseAlarmCount {
  deviceId: string;
  count: number;
  /** True only in the transaction that crossed the threshold, so the inspection alert is raised once. */
  newlyFlagged: boolean;
}

/**
 * Counts one false alarm against a device of the organisation and flags it for inspection once the count
 * reaches the threshold (three by default: `detectionDefaults.falseAlarmInspectionCount`).
 */
export async function countFalseAlarm(
  tx: Tx,
  input: { orgId: string; deviceId: string },
  threshold: number = detectionDefaults.falseAlarmInspectionCount,
): Promise<FalseAlarmCount | undefined> {
  const [row] = await tx<{ count: number; newlyFlagged: boolean }[]>`
    update devices d set false_alarm_count = d.false_alarm_count + 1,
           needs_inspection = d.needs_inspection or d.false_alarm_count + 1 >= ${threshold},
           updated_at = now()
      from (select id, needs_inspection as was_flagged from devices where id = ${input.deviceId} for update) before
     where d.id = before.id and d.org_id = ${input.orgId}
    returning d.false_alarm_count as count, (not before.was_flagged and d.needs_inspection) as "newlyFlagged"`;
  return row ? { deviceId: input.deviceId, count: row.count, newlyFlagged: row.newlyFlagged } : undefined;
}
