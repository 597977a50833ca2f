import type * as v from 'valibot';
import type { AlertSnapshot } from '../../../db/alerts/snapshot';
import { type Alert, alerts } from '../../../db/schema';
import { withIsoDates } from '../../lib/org-references';
import type { AlertSchema } from './alerts.schemas';

/**
 * An alert as the REST API answers it: the `AlertSnapshot` dashboards receive (db/alerts/snapshot.ts), without the
 * resident's name, plus where it came from and when it escalates next.
 */
export type AlertJson = Omit<AlertSnapshot, 'residentName'> & {
  hubId: string | null;
  deviceId: string | null;
  nextEscalationAt: string | null;
};

/** Every field of `AlertJson`, in the order the API answers them (the compiler holds the list to the type). */
const fields = {
  id: true,
  orgId: true,
  residentId: true,
  hubId: true,
  deviceId: true,
  kind: true,
  severity: true,
  status: true,
  title: true,
  details: true,
  eventCount: true,
  lastEventAt: true,
  openedAt: true,
  acknowledgedAt: true,
  acknowledgedBy: true,
  resolvedAt: true,
  resolvedBy: true,
  resolutionNote: true,
  escalationLevel: true,
  nextEscalationAt: true,
} as const satisfies Record<keyof AlertJson, true>;

type AlertField = keyof typeof fields;

/** The `alerts` columns an `AlertJson` is read from, for `select(alertColumns)`. */
export const alertColumns = Object.fromEntries(
  (Object.keys(fields) as AlertField[]).map((field) => [field, alerts[field]]),
) as { [K in AlertField]: (typeof alerts)[K] };

/** The selected row as the API answers it; the compiler checks it is an `AlertJson`. */
export function alertJson(row: Pick<Alert, AlertField>) {
  return withIsoDates(row) satisfies AlertJson;
}

/** True when two types have the same keys and every value of `Documented` is a value of `Actual`. */
type Describes<Documented, Actual> = [keyof Documented] extends [keyof Actual]
  ? [keyof Actual] extends [keyof Documented]
    ? Documented extends Actual
      ? true
      : false
    : false
  : false;

type Assert<Check extends true> = Check;

/** Compile-time only: the OpenAPI `Alert` schema documents exactly the fields of `AlertJson`, with their types. */
export type AlertSchemaDocumentsAlertJson = Assert<Describes<v.InferOutput<typeof AlertSchema>, AlertJson>>;
