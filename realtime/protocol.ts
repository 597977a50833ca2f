import * as v from 'valibot';
import type { AlertSnapshot } from '../db/alerts/snapshot';
import { alertOutcome } from '../db/schema/alerts';

/**
 * The dashboard WebSocket protocol, version 1 (JSON text frames). Every client frame is validated with these
 * schemas; anything else gets an `error` frame. Shared by the realtime node, the camera signalling and the console.
 *
 * Connect to `/ws` offering the subprotocols `carewatch.v1` and `bearer.<access token>` (the server selects
 * `carewatch.v1`), or connect with `carewatch.v1` only and send `{type:"auth", token}` as the first frame.
 * A reconnecting dashboard also offers `resume.<last sequence seen>` (or puts `lastSeq` in its `auth` frame): the
 * replay then starts before anything else is sent on the connection, so every frame arrives in sequence order.
 * A node that drains (SIGTERM) closes its dashboards with 1012 (`closeCodes.draining` in errors.ts): reconnect at once
 * through the entry point, which picks another node, offering `resume.<last sequence seen>`.
 */
export const PROTOCOL = 'carewatch.v1';
export const BEARER_PREFIX = 'bearer.';
export const RESUME_PREFIX = 'resume.';

const sequence = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

/** The sequence of a `resume.<n>` subprotocol: undefined when none is offered, null when it is malformed. */
export function resumeFromSubprotocols(offered: string[]): number | null | undefined {
  const entry = offered.find((protocol) => protocol.startsWith(RESUME_PREFIX));
  if (entry === undefined) return undefined;
  const digits = entry.slice(RESUME_PREFIX.length);
  if (!/^\d{1,16}$/.test(digits)) return null;
  const parsed = v.safeParse(sequence, Number(digits));
  return parsed.success ? parsed.output : null;
}

const uuid = v.pipe(v.string(), v.uuid());
const sessionId = v.pipe(v.string(), v.minLength(1), v.maxLength(100));

export const ClientFrame = v.variant('type', [
  /** First-frame authentication (or a token refresh); `lastSeq` resumes at connect, as `resume.<n>` does. */
  v.object({ type: v.literal('auth'), token: v.pipe(v.string(), v.maxLength(4096)), lastSeq: v.optional(sequence) }),
  /** The dashboard got this delivery: it is not sent again. */
  v.object({ type: v.literal('received'), deliveryId: uuid }),
  /** A human acknowledged the alert of this delivery: escalation stops for everyone. */
  v.object({ type: v.literal('ack'), deliveryId: uuid }),
  v.object({
    type: v.literal('resolve'),
    alertId: uuid,
    note: v.pipe(v.string(), v.maxLength(2000)),
    outcome: v.optional(v.picklist(alertOutcome.enumValues)),
  }),
  /** Send every delivery with a sequence above `lastSeq`, in order, then live ones. */
  v.object({ type: v.literal('resume'), lastSeq: sequence }),
  v.object({ type: v.literal('ping'), t: v.optional(v.number()) }),
  v.object({ type: v.literal('pong'), t: v.optional(v.number()) }),
  v.object({ type: v.literal('camera.watch'), cameraId: uuid }),
  v.object({ type: v.literal('camera.answer'), sessionId, sdp: v.pipe(v.string(), v.maxLength(64_000)) }),
  v.object({
    type: v.literal('camera.candidate'),
    sessionId,
    candidate: v.pipe(v.string(), v.maxLength(2000)),
    mid: v.optional(v.pipe(v.string(), v.maxLength(64))),
  }),
  v.object({ type: v.literal('camera.stop'), sessionId }),
]);
export type ClientFrame = v.InferOutput<typeof ClientFrame>;

export type CameraState = 'connecting' | 'live' | 'stalled' | 'offline' | 'ended';

export type ServerFrame =
  | { type: 'welcome'; staffId: string; orgId: string; nodeId: string; lastSeq: number }
  | { type: 'alert'; deliveryId: string; seq: number; alert: AlertSnapshot }
  | {
      type: 'alert.updated';
      alertId: string;
      change: 'acknowledged' | 'resolved' | 'escalated' | 'retriggered' | 'attached' | 'updated';
      alert: AlertSnapshot;
      by?: { staffId: string; name: string };
    }
  | { type: 'resumed'; afterSeq: number; replayed: number }
  | { type: 'ping'; t: number }
  | { type: 'pong'; t?: number }
  | { type: 'error'; code: number; message: string; retryable: boolean; ref?: string }
  | { type: 'camera.offer'; sessionId: string; cameraId: string; sdp: string; iceServers: IceServer[] }
  | { type: 'camera.candidate'; sessionId: string; candidate: string; mid?: string }
  | { type: 'camera.state'; sessionId: string; cameraId: string; state: CameraState; reason?: string };

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}
