// `npm run bench:notify`: the channels under load. 10,000 dashboards stay connected to one realtime node (its own
// process); 1,000 of their staff each have a push subscription on a local RFC 8030 push service, and the centre
// has a webhook integration on a local receiver (both in a process of their own, which decrypts every push and
// checks every signature once the run is over, so that these stand-ins for other machines' services take no more CPU
// from the system measured than taking the requests); the centre's rule for critical alerts is push and webhook at 0 s. SOS alerts go in
// through `POST /v1/ingest/events` at BENCH_RATE/s (100) for BENCH_SECONDS (20), each to one of those 1,000 staff.
// Latency is hub POST sent → request received by the push service / the receiver, and → dashboard frame.
// The steady phase interleaves 5 s blocks of two arms, BENCH_SECONDS each: the rule above, and a baseline in which
// the rule is dashboard only (no push, no webhook) on the same node, dashboards and database; the dashboard p99 of
// both arms (`dashboard_p99_ms`, `dashboard_baseline_p99_ms`) shows what the channels cost the dashboard path.
// Prints one JSON line of figures last; exits non-zero when any expected push, webhook call or frame never came, or a
// push did not decrypt to its alert, or a call was badly signed.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import webPush from 'web-push';
import { endpointSecret } from '../../core/notify/webhook-signature';
import { seedDemoOrganisation } from '../demo-organisation';
import { injectSosAlert, stopInjectionServers } from '../testing/inject';
import { auditBenchAlerts } from './alert-audit';
import type { FromReceivers, ToReceivers } from './notify-receivers';
import {
  analyzeInUse,
  benchDatabase,
  cleanups,
  connectDashboards,
  log,
  now,
  percentile,
  prepare,
  round,
  runBench,
  settleAfterBulkLoad,
  sleep,
  spawnFunctions,
  spawnNode,
  stopChild,
  waitFor,
} from './realtime-harness';
import { histogramDelta, histogramQuantile, type ScrapedHistogram, scrapeHistogram } from './scraped-histogram';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10_000);
const SUBSCRIBED = Math.min(CONNECTIONS, 1_000);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENT_PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 2);
const WARMUP_SECONDS = 2;
const BLOCK_SECONDS = 5;
const SIGNING_KEY = 'bench-integration-signing-key-long-enough-0123456789';
/**
 * The node's own spans (realtime/metrics.ts), scraped around the steady phase: the channel path, and the dashboard
 * path's share (NOTIFY received → frame written) to tell the node's delay from the ingest's.
 */
const NODE_SPANS = [
  'carewatch_channel_created_to_claimed_seconds',
  'carewatch_channel_request_seconds',
  'carewatch_channel_outcome_recorded_seconds',
  'carewatch_realtime_notify_to_frame_seconds',
];

async function main() {
  const total = RATE * SECONDS;
  const warmupCount = RATE * (WARMUP_SECONDS + 1);
  if (2 * total + warmupCount > CONNECTIONS) {
    throw new Error(
      'BENCH_RATE × (2 × BENCH_SECONDS + 3) must fit BENCH_CONNECTIONS (the warm-up takes 3 s of alerts)',
    );
  }
  const { databaseUrl, sql, db } = await benchDatabase();
  const slug = `notify${Date.now()}`;
  const org = await seedDemoOrganisation(db, { orgName: `Notify Centre ${Date.now()}`, slug, residents: 1 });
  const setup = await prepare(sql, org.orgId, slug, CONNECTIONS);

  // Every alert of the run (warm-up and measured) goes to one of the first SUBSCRIBED staff.
  const alerted = setup.residents.slice(0, 2 * total + warmupCount);
  await sql`
    update assignments a set staff_id = t.staff_id
      from unnest(${alerted}::uuid[], ${alerted.map((_, index) => setup.staff[index % SUBSCRIBED] ?? '')}::uuid[])
           as t(resident_id, staff_id)
     where a.resident_id = t.resident_id`;

  const vapid = webPush.generateVAPIDKeys();
  const receivers = fork(join(import.meta.dirname, 'notify-receivers.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  cleanups.unshift(() => {
    if (receivers.exitCode === null) receivers.kill('SIGKILL');
  });
  const pushArrivals = new Map<string, number>();
  const webhookArrivals = new Map<string, number>();
  receivers.on('message', (message: FromReceivers) => {
    if (message.type !== 'arrivals') return;
    for (const [alertId, at] of message.push) if (!pushArrivals.has(alertId)) pushArrivals.set(alertId, at);
    for (const [alertId, at] of message.webhook) if (!webhookArrivals.has(alertId)) webhookArrivals.set(alertId, at);
  });
  const toReceivers = (message: ToReceivers) => receivers.send(message);
  const ready = onceFrom(receivers, 'ready');
  toReceivers({ type: 'start', vapidPublicKey: vapid.publicKey, subscriptions: SUBSCRIBED });
  const { webhookUrl, subscriptions } = await ready;
  await sql`
    insert into push_subscriptions (org_id, staff_id, endpoint, p256dh, auth)
    select ${org.orgId}, s, e, p, a
      from unnest(${setup.staff.slice(0, SUBSCRIBED)}::uuid[], ${subscriptions.map((s) => s.endpoint)}::text[],
                  ${subscriptions.map((s) => s.keys.p256dh)}::text[], ${subscriptions.map((s) => s.keys.auth)}::text[])
           as t(s, e, p, a)`;
  const [endpoint] = await sql<{ id: string; version: number }[]>`
    insert into webhook_endpoints (org_id, name, url) values (${org.orgId}, 'Bench SMS gateway', ${webhookUrl})
    returning id, secret_version as version`;
  if (!endpoint) throw new Error('webhook endpoint insert failed');
  toReceivers({ type: 'secret', secret: await endpointSecret(SIGNING_KEY, endpoint.id, endpoint.version) });
  const channelRule = JSON.stringify([
    { channel: 'push', delaySeconds: 0 },
    { channel: 'webhook', delaySeconds: 0, endpointId: endpoint.id },
  ]);
  await sql`insert into notification_rules (org_id, severity, channels) values (${org.orgId}, 'critical', ${channelRule}::jsonb)`;
  /** The arm of the alerts raised from now on: the rule read by the ingest's transaction decides. */
  const useArm = (arm: Arm) => sql`
    update notification_rules set channels = ${arm === 'channels' ? channelRule : '[]'}::jsonb
     where org_id = ${org.orgId} and severity = 'critical' and staff_id is null`;
  await settleAfterBulkLoad(sql);
  log(`seeded ${setup.staff.length} dashboard staff, ${SUBSCRIBED} with a push subscription, one webhook endpoint`);

  cleanups.unshift(() => stopInjectionServers());
  const functions = await spawnFunctions(databaseUrl);
  cleanups.unshift(() => stopChild(functions.child));
  const node = await spawnNode(databaseUrl, {
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    INTEGRATION_SIGNING_KEY: SIGNING_KEY,
    OUTBOUND_ALLOW_PRIVATE: 'true',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
  });
  cleanups.unshift(() => stopChild(node.child));

  const frames = new Map<string, number[]>();
  const dashboards = await connectDashboards(
    node.wsUrl,
    { orgId: org.orgId, staffIds: setup.staff },
    CLIENT_PROCESSES,
    frames,
  );
  const { connections, connectFailures } = dashboards;
  log(`${connections} dashboards connected (${connectFailures} failed)`);
  await sleep(2_000);

  // Warm-up on the last residents of the run, not measured: JIT, pools, prepared statements, kept-alive sockets.
  const inject = (residentId: string) =>
    injectSosAlert({ databaseUrl, org: setup, residentId, functionsUrl: functions.url });
  const warmUp = async (residents: string[]) => {
    const started = now();
    const alerts = await Promise.all(
      residents.map(async (residentId, index) => {
        await sleep(started + (index * 1000) / RATE - now());
        return (await inject(residentId)).alertId;
      }),
    );
    await waitFor(() => alerts.every((id) => pushArrivals.has(id) && webhookArrivals.has(id)), 20_000);
    return alerts.filter((id) => !pushArrivals.has(id) || !webhookArrivals.has(id)).length;
  };
  // The warm-up goes on after the in-use analyze: the analyze invalidates every cached plan, and the phase's first
  // block (the channel arm's) began by making them again.
  const warmup = alerted.slice(2 * total);
  const beforeAnalyze = warmup.splice(0, RATE);
  let warmupMissing = await warmUp(beforeAnalyze);
  await analyzeInUse(sql);
  warmupMissing += await warmUp(warmup);
  log(
    `warm-up: ${beforeAnalyze.length} + ${warmup.length} alerts around the analyze (not measured), ` +
      `${warmupMissing} without their push or webhook`,
  );

  const nodeSpans = async () => {
    const metrics = await (await fetch(node.metricsUrl)).text();
    return NODE_SPANS.map((name) => scrapeHistogram(metrics, name));
  };
  const spansBefore = await nodeSpans();
  log(`steady phase: ${RATE} alerts/s, ${BLOCK_SECONDS} s blocks alternating channels / baseline, ${SECONDS} s each`);
  const sentAt = new Map<string, number>();
  const answeredAt = new Map<string, number>();
  const residentOf = new Map<string, string>();
  const armOf = new Map<string, Arm>();
  const injections: Promise<unknown>[] = [];
  const perBlock = RATE * BLOCK_SECONDS;
  const phaseStart = now();
  let blockStart = phaseStart;
  let previousArm: Arm | undefined;
  const armMs: Record<Arm, number> = { channels: 0, baseline: 0 };
  for (let index = 0; index < 2 * total; index++) {
    const block = Math.floor(index / perBlock);
    // Pairs of blocks, each pair in the other order than the last, so neither arm always goes first.
    const arm: Arm = (block % 2 === 0) === (Math.floor(block / 2) % 2 === 0) ? 'channels' : 'baseline';
    if (index % perBlock === 0) {
      // The last block's alerts are raised (their transactions read its rule) before the rule changes.
      await Promise.all(injections);
      if (previousArm) armMs[previousArm] += now() - blockStart;
      await useArm(arm);
      previousArm = arm;
      blockStart = now();
    }
    const wait = blockStart + ((index % perBlock) * 1000) / RATE - now();
    if (wait > 0) await sleep(wait);
    const residentId = alerted[index] ?? '';
    const at = now();
    injections.push(
      inject(residentId).then(({ alertId }) => {
        answeredAt.set(alertId, now());
        sentAt.set(alertId, at);
        residentOf.set(alertId, residentId);
        armOf.set(alertId, arm);
      }),
    );
  }
  await Promise.all(injections);
  const phaseEnd = now();
  if (previousArm) armMs[previousArm] += phaseEnd - blockStart;
  const measured = [...sentAt.keys()].filter((id) => armOf.get(id) === 'channels');
  const baseline = [...sentAt.keys()].filter((id) => armOf.get(id) === 'baseline');
  await waitFor(
    () =>
      measured.every((id) => pushArrivals.has(id) && webhookArrivals.has(id) && frames.has(residentOf.get(id) ?? '')) &&
      baseline.every((id) => frames.has(residentOf.get(id) ?? '')),
    30_000,
  );

  const latencies = (arrivalOf: (alertId: string) => number | undefined, alerts = measured) =>
    alerts
      .map((id) => {
        const arrival = arrivalOf(id);
        return arrival === undefined ? Number.POSITIVE_INFINITY : arrival - (sentAt.get(id) ?? 0);
      })
      .sort((a, b) => a - b);
  const push = latencies((id) => pushArrivals.get(id));
  const webhook = latencies((id) => webhookArrivals.get(id));
  const frameOf = (id: string) => frames.get(residentOf.get(id) ?? '')?.[0];
  const dashboard = latencies(frameOf);
  const dashboardBaseline = latencies(frameOf, baseline);
  const missingOf = (sorted: number[]) => sorted.filter((latency) => latency === Number.POSITIVE_INFINITY).length;
  const missing =
    missingOf(push) + missingOf(webhook) + missingOf(dashboard) + missingOf(dashboardBaseline) + warmupMissing;
  const pushTimes = measured.flatMap((id) => pushArrivals.get(id) ?? []).sort((a, b) => a - b);
  // Pushes go out in the channel arm's blocks only: the rate is over the time those blocks took.
  const pushesPerSecond = pushTimes.length / (armMs.channels / 1000);
  log(
    `${measured.length} + ${baseline.length} alerts at ${(sentAt.size / ((armMs.channels + armMs.baseline) / 1000)).toFixed(1)}/s: ` +
      `pushes missing ${missingOf(push)}, webhook calls missing ${missingOf(webhook)}, frames missing ` +
      `${missingOf(dashboard) + missingOf(dashboardBaseline)}`,
  );
  log(
    `push p50/p99 ${round(percentile(push, 0.5))}/${round(percentile(push, 0.99))} ms; webhook p50/p99 ` +
      `${round(percentile(webhook, 0.5))}/${round(percentile(webhook, 0.99))} ms; dashboard p50/p99 ` +
      `${round(percentile(dashboard, 0.5))}/${round(percentile(dashboard, 0.99))} ms; dashboard in the baseline ` +
      `blocks p50/p99 ${round(percentile(dashboardBaseline, 0.5))}/${round(percentile(dashboardBaseline, 0.99))} ms`,
  );
  // Where a frame's time goes, per arm: the ingest (hub POST sent → answered, its transaction committed) and the rest
  // (answered → frame; negative when the frame won the race with the HTTP answer).
  const between = (alerts: string[], from: Map<string, number>, to: (id: string) => number | undefined) =>
    alerts.map((id) => (to(id) ?? Number.POSITIVE_INFINITY) - (from.get(id) ?? 0)).sort((a, b) => a - b);
  const split = (alerts: string[]) => {
    const ingest = between(alerts, sentAt, (id) => answeredAt.get(id));
    const rest = between(alerts, answeredAt, frameOf);
    return `ingest p50/p99 ${round(percentile(ingest, 0.5))}/${round(percentile(ingest, 0.99))} ms, answered → frame p50/p99 ${round(percentile(rest, 0.5))}/${round(percentile(rest, 0.99))} ms`;
  };
  log(`dashboard path, channel blocks: ${split(measured)}; baseline blocks: ${split(baseline)}`);
  const spansAfter = await nodeSpans();
  log(
    `node's spans, steady phase: ${NODE_SPANS.map((name, index) => {
      const span = histogramDelta(spansAfter[index] as ScrapedHistogram, spansBefore[index] as ScrapedHistogram);
      const ms = (q: number) => round(histogramQuantile(span, q) * 1000);
      return `${name.replace(/^carewatch_(channel|realtime)_|_seconds$/g, '')} p50 ${ms(0.5)} / p99 ${ms(0.99)} ms`;
    }).join('; ')}`,
  );
  const [attempts] = await sql<{ failed: number; retried: number }[]>`
    select count(*) filter (where state = 'failed')::int as failed, count(*) filter (where tries > 1)::int as retried
      from delivery_channel_attempts`;
  log(`attempts failed ${attempts?.failed}, sent more than once ${attempts?.retried}`);

  await dashboards.close();
  const counted = onceFrom(receivers, 'counts');
  toReceivers({ type: 'close' });
  const counts = await counted;
  log(
    `receivers: ${counts.pushRequests} push requests, ${counts.webhookRequests} webhook calls; checked after the ` +
      `run: ${counts.badPayloads} pushes that did not decrypt to their alert, ${counts.badSignatures} bad signatures`,
  );
  await auditBenchAlerts(sql, log);
  console.log(
    JSON.stringify({
      push_p50_ms: round(percentile(push, 0.5)),
      push_p99_ms: round(percentile(push, 0.99)),
      webhook_p99_ms: round(percentile(webhook, 0.99)),
      pushes_per_s: round(pushesPerSecond),
      dashboard_p99_ms: round(percentile(dashboard, 0.99)),
      dashboard_baseline_p99_ms: round(percentile(dashboardBaseline, 0.99)),
      missing,
    }),
  );
  if (missing > 0 || connectFailures > 0 || counts.badSignatures > 0 || counts.badPayloads > 0) {
    console.error(
      `[bench] failed: ${missing} expected pushes, webhook calls or frames never came; ${connectFailures} ` +
        `dashboards never connected; ${counts.badSignatures} bad signatures; ${counts.badPayloads} bad push payloads`,
    );
    process.exitCode = 1;
  }
}

type Arm = 'channels' | 'baseline';

function onceFrom<T extends FromReceivers['type']>(
  child: ReturnType<typeof fork>,
  type: T,
): Promise<Extract<FromReceivers, { type: T }>> {
  return new Promise((resolve) => {
    const listener = (message: FromReceivers) => {
      if (message.type !== type) return;
      child.off('message', listener);
      resolve(message as Extract<FromReceivers, { type: T }>);
    };
    child.on('message', listener);
  });
}

runBench(main);
