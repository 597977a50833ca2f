import * as v from 'valibot';
import { type SensorEventKind, sensorEventKind } from '../../db/schema/events';
import { ApiError } from '../lib/problem';
import { parseEventTime } from './event-time';
import { ingestLimits } from './limits';
import type { DetectionEvent } from './rules';
import { unstorablePayload, unstorableText } from './storable';

/** The hub's own state, sent with every batch (a batch with no events is a heartbeat). */
export const HubStatus = v.object({
  firmware: v.optional(v.pipe(v.string(), v.maxLength(64))),
  batteryPct: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100))),
  powerState: v.optional(v.picklist(['mains', 'battery', 'cut'])),
});
export type HubStatus = v.InferOutput<typeof HubStatus>;

// The heartbeat is read field by field (readHubStatus): a bad field is ignored, never the reason to refuse events.
const Batch = v.object({
  hub: v.optional(v.unknown()),
  events: v.pipe(v.array(v.unknown()), v.maxLength(ingestLimits.maxEvents)),
});

export const SensorEvent = v.object({
  eventId: v.pipe(v.string('eventId must be a string'), v.minLength(1), v.maxLength(128)),
  deviceId: v.nullish(v.pipe(v.string(), v.uuid('deviceId must be a UUID'))),
  kind: v.picklist(sensorEventKind.enumValues, 'kind is not a known sensor event kind'),
  time: v.pipe(v.string('time must be an ISO-8601 string'), v.isoTimestamp('time must be an ISO-8601 timestamp')),
  value: v.nullish(v.pipe(v.number('value must be a number'), v.finite('value must be finite'))),
  payload: v.nullish(v.record(v.string(), v.unknown(), 'payload must be an object')),
});

export type EventResult =
  | { eventId: string | null; status: 'accepted' | 'duplicate' }
  | { eventId: string | null; status: 'rejected'; reason: string };

/** A heartbeat field that was not applied, and why (the events of the batch are unaffected). */
export interface IgnoredField {
  field: string;
  reason: string;
}

export interface ValidBatch {
  hub: HubStatus;
  /** Heartbeat fields left out of `hub` because they were invalid. */
  ignored: IgnoredField[];
  /** Valid, distinct events, each with its index in the request's `events` array. */
  events: (DetectionEvent & { index: number })[];
  /** One entry per request event, in request order; valid ones are settled after the insert. */
  results: EventResult[];
}

/**
 * Checks the envelope (a malformed batch is a 400, too many events a 413) and then each event on its own: a bad
 * event is rejected with a reason and the rest go on, as does the rest of the heartbeat when one of its fields is
 * bad. Devices must belong to the calling hub. Whatever passes here, PostgreSQL can store.
 */
export function validateBatch(body: unknown, hubDevices: ReadonlySet<string>, now: Date): ValidBatch {
  if (isObject(body) && Array.isArray(body.events) && body.events.length > ingestLimits.maxEvents) {
    throw new ApiError({
      code: 'PAYLOAD_TOO_LARGE',
      detail: `A batch carries at most ${ingestLimits.maxEvents} events; this one has ${body.events.length}`,
    });
  }
  const envelope = v.safeParse(Batch, body);
  if (!envelope.success) {
    throw new ApiError({
      code: 'BAD_REQUEST',
      detail: 'The batch must be {hub?: {firmware?, batteryPct?, powerState?}, events: [...]}',
      errors: envelope.issues.map((issue) => ({ field: `body.${v.getDotPath(issue) ?? ''}`, message: issue.message })),
    });
  }

  const results: EventResult[] = [];
  const events: ValidBatch['events'] = [];
  const seen = new Set<string>();
  for (const [index, raw] of envelope.output.events.entries()) {
    const eventId = isObject(raw) && typeof raw.eventId === 'string' ? raw.eventId : null;
    const parsed = v.safeParse(SensorEvent, raw);
    if (!parsed.success) {
      results.push({ eventId, status: 'rejected', reason: describe(parsed.issues) });
      continue;
    }
    const event = parsed.output;
    const time = parseEventTime(event.time);
    if (!(time instanceof Date)) {
      results.push({ eventId, status: 'rejected', reason: time.reason });
      continue;
    }
    // The payload as sent: valibot's copy of a record leaves out keys such as "__proto__".
    const payload = isObject(raw) ? raw.payload : undefined;
    const reason = checkEvent(event, payload, time, hubDevices, now);
    if (reason) {
      results.push({ eventId, status: 'rejected', reason });
      continue;
    }
    // Keyed like the table's unique index; a repeat inside one batch is a duplicate of the first.
    const key = `${event.eventId}\u0000${time.getTime()}`;
    if (seen.has(key)) {
      results.push({ eventId, status: 'duplicate' });
      continue;
    }
    seen.add(key);
    results.push({ eventId, status: 'accepted' });
    events.push({
      index,
      eventId: event.eventId,
      deviceId: event.deviceId?.toLowerCase() ?? null,
      kind: event.kind as SensorEventKind,
      time,
      value: event.value ?? null,
      payload: (payload as Record<string, unknown> | null | undefined) ?? null,
    });
  }
  return { ...readHubStatus(envelope.output.hub), events, results };
}

/** The heartbeat's valid fields; each invalid one is listed in `ignored` with its reason instead. */
function readHubStatus(raw: unknown): { hub: HubStatus; ignored: IgnoredField[] } {
  if (raw === undefined || raw === null) return { hub: {}, ignored: [] };
  if (!isObject(raw)) return { hub: {}, ignored: [{ field: 'hub', reason: 'hub must be an object' }] };
  const hub: Record<string, unknown> = {};
  const ignored: IgnoredField[] = [];
  for (const [name, schema] of Object.entries(HubStatus.entries)) {
    if (raw[name] === undefined || raw[name] === null) continue; // not reported
    const parsed = v.safeParse(schema, raw[name]);
    const text = parsed.success && typeof parsed.output === 'string' ? unstorableText(parsed.output) : undefined;
    if (!parsed.success) ignored.push({ field: `hub.${name}`, reason: describe(parsed.issues) });
    else if (text) ignored.push({ field: `hub.${name}`, reason: `hub.${name} ${text}` });
    else hub[name] = parsed.output;
  }
  return { hub: hub as HubStatus, ignored };
}

function checkEvent(
  event: { eventId: string; deviceId?: string | null },
  payload: unknown,
  time: Date,
  hubDevices: ReadonlySet<string>,
  now: Date,
): string | undefined {
  const eventIdProblem = unstorableText(event.eventId);
  if (eventIdProblem) return `eventId ${eventIdProblem}`;
  if (time.getTime() - now.getTime() > ingestLimits.maxFutureSkewMs) {
    return `time is more than ${ingestLimits.maxFutureSkewMs / 60_000} minutes in the future (hub clock skew)`;
  }
  if (now.getTime() - time.getTime() > ingestLimits.maxPastMs) {
    return `time is more than ${ingestLimits.maxPastMs / 86_400_000} days in the past`;
  }
  if (event.deviceId && !hubDevices.has(event.deviceId.toLowerCase())) {
    return 'deviceId is not a device of this hub';
  }
  return payload == null ? undefined : unstorablePayload(payload);
}

function describe(issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): string {
  return issues.map((issue) => issue.message).join('; ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
