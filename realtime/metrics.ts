import type { Sql } from '../db/client';
import { Histogram } from './histogram';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** The node's own share is around a millisecond when idle: finer buckets at the low end. */
const NODE_SHARE_BUCKETS = [
  0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/**
 * The node's own timestamps of one delivery's first send (monotonic `performance.now()` ms of this process): when
 * its NOTIFY reached the node (absent when something else woke it: a sweep, a connection) and when its claim came
 * back committed (absent when the frame went out before this node's claim: a broadcast larger than one claim batch
 * sends the rest of what it looked up at once and claims it on the next pass). The first frame written to any of the
 * staff member's sockets here closes both spans, once, so no delivery of a burst drops out of the figures.
 */
export interface FirstSendTiming {
  notifiedAt?: number;
  claimedAt?: number;
  written: boolean;
}

/** Counters the node keeps in memory; delivery states are read from the database when scraped. */
export class Metrics {
  readonly latencyCounts = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  latencySum = 0;
  latencyCount = 0;
  framesSent = 0;
  escalations = 0;
  /** Deliveries this node's sweeps gave up on (no receipt after REALTIME_MAX_SENDS sends). */
  deliveriesFailed = 0;
  slowClientsDropped = 0;
  badFrames = 0;
  /** Dashboard upgrades refused because this node held its maximum of connections. */
  connectionsRefused = 0;
  readonly notifyToFrame = new Histogram(
    'carewatch_realtime_notify_to_frame_seconds',
    'From a NOTIFY of new deliveries (new or escalated alert) reaching this node to the first frame of each written here.',
    NODE_SHARE_BUCKETS,
  );
  readonly claimToFrame = new Histogram(
    'carewatch_realtime_claim_to_frame_seconds',
    "From a delivery's first claim committing on this node to its frame written here.",
    NODE_SHARE_BUCKETS,
  );
  /** The channel path's spans (push, webhook), for a first try: where the time between commit and provider goes. */
  readonly channelCreatedToClaimed = new Histogram(
    'carewatch_channel_created_to_claimed_seconds',
    "From a delivery's creation (its transaction's start) to its channel attempt's first claim committed here.",
    NODE_SHARE_BUCKETS,
  );
  readonly channelRequest = new Histogram(
    'carewatch_channel_request_seconds',
    "From a channel attempt's claim committed to the provider's answer (encryption and signing included).",
    NODE_SHARE_BUCKETS,
  );
  readonly channelOutcomeRecorded = new Histogram(
    'carewatch_channel_outcome_recorded_seconds',
    "From the provider's answer to the attempt's outcome committed (batched).",
    NODE_SHARE_BUCKETS,
  );

  /** Seconds from a delivery's creation to its first frame leaving this node. */
  observeDeliveryLatency(seconds: number): void {
    this.latencySum += seconds;
    this.latencyCount++;
    for (const [index, bound] of LATENCY_BUCKETS.entries()) {
      if (seconds <= bound) {
        this.latencyCounts[index] = (this.latencyCounts[index] ?? 0) + 1;
        break;
      }
    }
  }

  /** A delivery's first frame was handed to a socket here (uWS, or its send queue under backpressure). */
  firstFrameWritten(timing: FirstSendTiming): void {
    if (timing.written) return;
    timing.written = true;
    const now = performance.now();
    if (timing.notifiedAt !== undefined) this.notifyToFrame.observe((now - timing.notifiedAt) / 1000);
    if (timing.claimedAt !== undefined) this.claimToFrame.observe((now - timing.claimedAt) / 1000);
  }

  /** Prometheus text exposition (version 0.0.4). */
  async render(
    sql: Sql,
    gauges: { connections: number; staff: number; nodeId: string; maxConnections: number },
  ): Promise<string> {
    // Outstanding only, from their index: a count of every delivery ever made read the whole table at each scrape
    // (0.4 s a node at 300,000 deliveries, and growing with the history).
    const outstanding = await sql<{ state: string; count: number }[]>`
      select state, count(*)::int as count from alert_deliveries where state in ('pending', 'sent') group by state`;
    const countOf = (state: string) => outstanding.find((row) => row.state === state)?.count ?? 0;
    const node = `node="${gauges.nodeId.replace(/["\\\n]/g, '_')}"`;
    const lines = [
      '# HELP carewatch_realtime_connections Authenticated WebSocket connections on this node.',
      '# TYPE carewatch_realtime_connections gauge',
      `carewatch_realtime_connections{${node}} ${gauges.connections}`,
      '# HELP carewatch_realtime_staff_connected Distinct staff members connected to this node.',
      '# TYPE carewatch_realtime_staff_connected gauge',
      `carewatch_realtime_staff_connected{${node}} ${gauges.staff}`,
      '# HELP carewatch_realtime_max_connections Dashboard connections this node takes before refusing upgrades (503).',
      '# TYPE carewatch_realtime_max_connections gauge',
      `carewatch_realtime_max_connections{${node}} ${Number.isFinite(gauges.maxConnections) ? gauges.maxConnections : '+Inf'}`,
      '# HELP carewatch_alert_deliveries_outstanding Deliveries not received yet, by state (whole database).',
      '# TYPE carewatch_alert_deliveries_outstanding gauge',
      ...['pending', 'sent'].map(
        (state) => `carewatch_alert_deliveries_outstanding{state="${state}"} ${countOf(state)}`,
      ),
      '# HELP carewatch_realtime_delivery_latency_seconds From delivery creation to its first frame sent.',
      '# TYPE carewatch_realtime_delivery_latency_seconds histogram',
    ];
    let cumulative = 0;
    for (const [index, bound] of LATENCY_BUCKETS.entries()) {
      cumulative += this.latencyCounts[index] ?? 0;
      lines.push(`carewatch_realtime_delivery_latency_seconds_bucket{${node},le="${bound}"} ${cumulative}`);
    }
    lines.push(
      `carewatch_realtime_delivery_latency_seconds_bucket{${node},le="+Inf"} ${this.latencyCount}`,
      `carewatch_realtime_delivery_latency_seconds_sum{${node}} ${this.latencySum}`,
      `carewatch_realtime_delivery_latency_seconds_count{${node}} ${this.latencyCount}`,
      ...this.notifyToFrame.render(node),
      ...this.claimToFrame.render(node),
      ...this.channelCreatedToClaimed.render(node),
      ...this.channelRequest.render(node),
      ...this.channelOutcomeRecorded.render(node),
      '# HELP carewatch_realtime_deliveries_failed_total Deliveries this node gave up on: no receipt after the last send.',
      '# TYPE carewatch_realtime_deliveries_failed_total counter',
      `carewatch_realtime_deliveries_failed_total{${node}} ${this.deliveriesFailed}`,
      '# HELP carewatch_realtime_escalations_total Alerts this node moved up their escalation ladder.',
      '# TYPE carewatch_realtime_escalations_total counter',
      `carewatch_realtime_escalations_total{${node}} ${this.escalations}`,
      '# HELP carewatch_realtime_frames_sent_total Alert and update frames handed to sockets.',
      '# TYPE carewatch_realtime_frames_sent_total counter',
      `carewatch_realtime_frames_sent_total{${node}} ${this.framesSent}`,
      '# HELP carewatch_realtime_slow_clients_dropped_total Connections closed because their send queue overflowed.',
      '# TYPE carewatch_realtime_slow_clients_dropped_total counter',
      `carewatch_realtime_slow_clients_dropped_total{${node}} ${this.slowClientsDropped}`,
      '# HELP carewatch_realtime_bad_frames_total Client frames rejected with an error frame.',
      '# TYPE carewatch_realtime_bad_frames_total counter',
      `carewatch_realtime_bad_frames_total{${node}} ${this.badFrames}`,
      '# HELP carewatch_realtime_connections_refused_total Dashboard upgrades refused (503) because this node was full.',
      '# TYPE carewatch_realtime_connections_refused_total counter',
      `carewatch_realtime_connections_refused_total{${node}} ${this.connectionsRefused}`,
    );
    return `${lines.join('\n')}\n`;
  }
}
