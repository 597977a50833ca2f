import * as v from 'valibot';

/**
 * The dashboard WebSocket protocol, version 1 (JSON text frames). Every client frame is validated with these
 * schemas; anything else gets an `error` frame. Shared by the realtime node, the camera signalling and the console.
 *
 * Connect to `/ws` offering the subprotocols `carewatch.v1` and `bearer.<access token>` (the server selects
 * `carewatch.v1`), or connect with `carewatch.v1` only and send `{type:"auth", token}` as the first frame.
 */
export const PROTOCOL = 'carewatch.v1';
export const BEARER_PREFIX = 'bearer.';

const uuid = v.pipe(v.string(), v.uuid());
const sessionId = v.pipe(v.string(), v.minLength(1), v.maxLength(100));

export const ClientFrame = v.variant('type', [
  v.object({ type: v.literal('auth'), token: v.pipe(v.string(), v.maxLength(4096)) }),
  /** The dashboard got this delivery (the seed's "confirm the client received it"). */
  v.object({ type: v.literal('received'), deliveryId: uuid }),
  /** A human acknowledged the alert of this delivery: escalation stops for everyone. */
  v.object({ type: v.literal('ack'), deliveryId: uuid }),
  v.object({ type: v.literal('resolve'), alertId: uuid, note: v.pipe(v.string(), v.maxLength(2000)) }),
  /** Send every delivery with a sequence above `lastSeq`, in order, then live ones. */
  v.object({ type: v.literal('resume'), lastSeq: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
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

export interface AlertPayload {
  id: string;
  orgId: string;
  residentId: string;
  residentName: string;
  kind: string;
  severity: 'critical' | 'high' | 'medium' | 'low';
  status: 'open' | 'acknowledged' | 'resolved';
  title: string;
  details: Record<string, unknown>;
  eventCount: number;
  openedAt: string;
  lastEventAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
  escalationLevel: number;
}

export type CameraState = 'connecting' | 'live' | 'stalled' | 'offline' | 'ended';

export type ServerFrame =
  | { type: 'welcome'; staffId: string; orgId: string; nodeId: string; lastSeq: number }
  | { type: 'alert'; deliveryId: string; seq: number; alert: AlertPayload }
  | {
      type: 'alert.updated';
      alertId: string;
      change: 'acknowledged' | 'resolved' | 'escalated' | 'attached' | 'updated';
      alert: AlertPayload;
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
