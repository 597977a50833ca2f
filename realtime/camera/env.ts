import * as v from 'valibot';
import type { IceServer } from '../protocol';

const IceServerSchema = v.object({
  urls: v.union([v.string(), v.array(v.string())]),
  username: v.optional(v.string()),
  credential: v.optional(v.string()),
});

const integer = (fallback: string, min: number, max: number) =>
  v.pipe(v.optional(v.string(), fallback), v.transform(Number), v.integer(), v.minValue(min), v.maxValue(max));

/** Camera configuration, read from `process.env` alongside the realtime node's. */
export const CameraEnv = v.object({
  /** STUN/TURN servers as the browser's RTCIceServer[] JSON; handed to browsers and to the server's peers. */
  ICE_SERVERS: v.pipe(
    v.optional(v.string(), '[]'),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      try {
        return JSON.parse(dataset.value) as unknown;
      } catch {
        addIssue({ message: 'must be a JSON array of {urls, username?, credential?}' });
        return NEVER;
      }
    }),
    v.array(IceServerSchema),
  ),
  /**
   * coturn's `--static-auth-secret`: TURN entries of ICE_SERVERS without a username get per-viewer credentials
   * that expire after TURN_CREDENTIAL_TTL_SECONDS (see turn-credentials.ts). Empty = static credentials as given.
   */
  TURN_SHARED_SECRET: v.optional(v.string(), ''),
  TURN_CREDENTIAL_TTL_SECONDS: integer('21600', 60, 604_800),
  /** UDP port range for the server's WebRTC peers (0 = OS-assigned); open it in the firewall. */
  CAMERA_PORT_RANGE_BEGIN: integer('0', 0, 65_535),
  CAMERA_PORT_RANGE_END: integer('0', 0, 65_535),
  /** "true": all peers share one UDP port per local address (the first of the range), easier behind NAT/firewalls. */
  CAMERA_ICE_UDP_MUX: v.pipe(
    v.optional(v.picklist(['true', 'false']), 'false'),
    v.transform((flag) => flag === 'true'),
  ),
  /** Address the WebRTC peers gather candidates on (empty = every interface). */
  CAMERA_ICE_BIND_ADDRESS: v.optional(v.string(), ''),
  /** Address the RTP ingest sockets listen on (cameras push here). */
  CAMERA_RTP_HOST: v.optional(v.string(), '0.0.0.0'),
  CAMERA_STALL_MS: integer('2000', 100, 600_000),
  CAMERA_OFFLINE_MS: integer('10000', 200, 3_600_000),
  /** A test-pattern encoder keeps running this long after its last viewer, so the next one gets a warm cache. */
  CAMERA_TEST_PATTERN_LINGER_MS: integer('60000', 0, 3_600_000),
  /** A peer that has not connected this long after the offer/answer is closed. */
  CAMERA_CONNECT_TIMEOUT_MS: integer('20000', 1000, 300_000),
  /** Running views are checked against the access rule this often; a view whose access ended stops within it. */
  CAMERA_ACCESS_RECHECK_MS: integer('5000', 100, 600_000),
  /**
   * How long this node's lease on a camera's feed lasts (renewed every CAMERA_ACCESS_RECHECK_MS): when the node dies,
   * another takes its cameras within this. Keep it a few times the re-check interval.
   */
  CAMERA_FEED_LEASE_MS: integer('15000', 500, 3_600_000),
  /**
   * Where the other realtime nodes reach this one (http://host:port, internal): they forward WHEP requests for
   * cameras this node owns there. Empty: the node's own listening URL (its host name when it listens on 0.0.0.0).
   */
  CAMERA_NODE_URL: v.pipe(
    v.optional(v.string(), ''),
    v.check((url) => url === '' || /^https?:\/\/[^/]+$/.test(url.replace(/\/+$/, '')), 'must be http(s)://host:port'),
    v.transform((url) => url.replace(/\/+$/, '')),
  ),
  /** At most this many WHEP sessions per staff member at once (the WebSocket flow caps per connection instead). */
  CAMERA_WHEP_SESSIONS_PER_STAFF: integer('16', 1, 1000),
  FFMPEG_PATH: v.optional(v.string(), 'ffmpeg'),
  /**
   * Event media: seconds of video a camera with event-media consent keeps before an alert (whole GOPs, so up to one
   * GOP more), and records after it, for the alert's clip; 0 = snapshots only.
   */
  CAMERA_CLIP_SECONDS: integer('20', 0, 300),
  /** Memory one camera's pre-alarm ring (and the recording after an alert) may hold, in MB. */
  CAMERA_CLIP_MAX_MB: integer('24', 1, 1024),
  /** Memory all rings of this node may hold together, in MB: shared equally when it is the tighter bound. */
  CAMERA_CLIP_NODE_MAX_MB: integer('512', 1, 65_536),
  /** ffmpeg runs for snapshots and clips at once on this node; more wait their turn (niced, never the alert path). */
  CAMERA_MEDIA_FFMPEG_SLOTS: integer('2', 1, 64),
});

export type CameraConfig = v.InferOutput<typeof CameraEnv>;

/**
 * libdatachannel's ICE server strings ("stun:host:port", "turn:user:pass@host:port?transport=tcp") from the
 * browser-style list. URL-encoded credentials, because libdatachannel parses them as a URL's user info.
 */
export function toLibdatachannelIceServers(servers: readonly IceServer[]): string[] {
  const result: string[] = [];
  for (const server of servers) {
    for (const url of Array.isArray(server.urls) ? server.urls : [server.urls]) {
      const match = /^(stuns?|turns?):([^?]+)(\?.*)?$/.exec(url);
      if (!match) continue;
      const [, scheme = '', hostPort = '', query = ''] = match;
      const credentials =
        scheme.startsWith('turn') && server.username !== undefined
          ? `${encodeURIComponent(server.username)}:${encodeURIComponent(server.credential ?? '')}@`
          : '';
      result.push(`${scheme}:${credentials}${hostPort}${query}`);
    }
  }
  return result;
}
