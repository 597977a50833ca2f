// `npm run bench:realtime`: 10,000 authenticated dashboards on one realtime node (its own process), dashboards
// in separate processes, SOS alerts injected at a steady rate through the one inject helper, then a broadcast
// burst. Prints one JSON line of figures last, and exits non-zero when any dashboard failed to connect or any
// alert frame never arrived (a miss is never left out of the figures). Knobs: BENCH_CONNECTIONS, BENCH_RATE,
// BENCH_SECONDS, BENCH_CLIENT_PROCESSES, BENCH_DATABASE_URL (else an embedded PostgreSQL in a temporary directory).
import { seedDemoOrganisation } from '../demo-organisation';
import { injectSosAlert, stopInjectionServers } from '../testing/inject';
import { auditBenchAlerts } from './alert-audit';
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
  rssMb,
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
const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENT_PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 2);
const WARMUP_SECONDS = 2;

async function main() {
  const { databaseUrl, sql, db } = await benchDatabase();
  const slug = `bench${Date.now()}`;
  const org = await seedDemoOrganisation(db, { orgName: `Bench Centre ${Date.now()}`, slug, residents: 1 });
  const setup = await prepare(sql, org.orgId, slug, CONNECTIONS);
  // Otherwise autovacuum and autoanalyze of the 10,000 fresh rows per table start in the middle of the measured
  // phase (seen: every alert of a 200 ms window 50–110 ms slower).
  await settleAfterBulkLoad(sql);
  log(`seeded ${setup.staff.length} dashboard staff and residents`);

  cleanups.unshift(() => stopInjectionServers());
  // The hubs' ingest endpoint runs in its own process, as it does in a deployment: not on the bench's event loop.
  const functions = await spawnFunctions(databaseUrl);
  cleanups.unshift(() => stopChild(functions.child));
  const node = await spawnNode(databaseUrl);
  cleanups.unshift(() => stopChild(node.child));
  await sleep(1_000);
  const rssBefore = rssMb(node.child.pid);

  const arrivals = new Map<string, number[]>();
  const started = now();
  const dashboards = await connectDashboards(
    node.wsUrl,
    { orgId: org.orgId, staffIds: setup.staff },
    CLIENT_PROCESSES,
    arrivals,
  );
  const { connections, connectFailures, attemptsRetried, attemptsFailed } = dashboards;
  log(
    `${connections} dashboards connected (${connectFailures} failed after 3 attempts, ${attemptsRetried} attempts ` +
      `retried) in ${Math.round(now() - started)} ms`,
  );
  if (attemptsFailed.length > 0) log(`connection attempts that failed (first few): ${attemptsFailed.join('; ')}`);
  await sleep(3_000);
  const rssIdle = rssMb(node.child.pid);
  const rssPer1k = ((rssIdle - rssBefore) / connections) * 1000;
  log(`node RSS ${rssBefore.toFixed(1)} MB before, ${rssIdle.toFixed(1)} MB with ${connections} idle connections`);

  // Warm-up, not measured: the same path (ingest POST → NOTIFY → frame) for a second, the in-use analyze, then
  // WARMUP_SECONDS more (the analyze invalidates every cached plan: a phase begun right after it spent its first
  // second making them again), on residents the measured phase does not use, so connection pools, prepared
  // statements and plans are as in a running system.
  const total = RATE * SECONDS;
  const warmUp = async (residents: string[]) => {
    const started = now();
    await Promise.all(
      residents.map(async (residentId, index) => {
        await sleep(started + (index * 1000) / RATE - now());
        await injectSosAlert({ databaseUrl, org: setup, residentId, functionsUrl: functions.url });
      }),
    );
    await waitFor(() => residents.every((residentId) => arrivals.has(residentId)), 15_000);
    return residents.filter((residentId) => !arrivals.has(residentId)).length;
  };
  const warmupResidents = setup.residents.slice(total, total + RATE * (WARMUP_SECONDS + 1));
  const beforeAnalyze = warmupResidents.splice(0, RATE);
  const warmupStart = now();
  let warmupMissing = await warmUp(beforeAnalyze);
  await analyzeInUse(sql);
  warmupMissing += await warmUp(warmupResidents);
  log(
    `warm-up: ${beforeAnalyze.length} + ${warmupResidents.length} alerts around the analyze in ` +
      `${Math.round(now() - warmupStart)} ms (not measured), ${warmupMissing} missing`,
  );
  // The node's own share, from its /metrics: scraped around each phase, so steady and burst are apart.
  const scrapeNode = async () => nodeShare(await (await fetch(node.metricsUrl)).text());
  const beforeSteady = await scrapeNode();

  // Steady phase: RATE alerts per second, each to one dashboard; latency = inject call → frame received, and an
  // alert that never arrived counts as infinitely late (it can only make p50/p99 worse, never drop out of them).
  const injectedAt = new Map<string, number>();
  log(`steady phase: ${RATE} alerts/s for ${SECONDS} s`);
  const phaseStart = now();
  const injections: Promise<unknown>[] = [];
  const answerTimes: number[] = [];
  for (let index = 0; index < total; index++) {
    const due = phaseStart + (index * 1000) / RATE;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    const residentId = setup.residents[index % setup.residents.length];
    if (!residentId) break;
    const at = now();
    injectedAt.set(residentId, at);
    injections.push(
      injectSosAlert({ databaseUrl, org: setup, residentId, functionsUrl: functions.url }).then(() => {
        answerTimes.push(now() - at);
        if (process.env.BENCH_DEBUG && now() - at > 100)
          log(`slow inject at +${Math.round(at - phaseStart)} ms: ${Math.round(now() - at)} ms`);
      }),
    );
  }
  await Promise.all(injections);
  const achievedRate = total / ((now() - phaseStart) / 1000);
  await waitFor(() => [...injectedAt.keys()].every((residentId) => arrivals.has(residentId)), 15_000);
  const latencies = [...injectedAt].map(([residentId, at]) => {
    const first = arrivals.get(residentId)?.[0];
    return first === undefined ? Number.POSITIVE_INFINITY : first - at;
  });
  latencies.sort((a, b) => a - b);
  const steadyMissing = latencies.filter((latency) => latency === Number.POSITIVE_INFINITY).length;
  answerTimes.sort((a, b) => a - b);
  // The POST answers after the alert's transaction committed, and its NOTIFY may reach the node before the answer
  // reaches the bench: "answered → frame" is no measure of the node. The node's own timestamps are, below.
  log(
    `inject → ingest answered (alert committed): p50 ${round(percentile(answerTimes, 0.5))} ms, ` +
      `p99 ${round(percentile(answerTimes, 0.99))} ms`,
  );
  log(
    `${injectedAt.size - steadyMissing}/${injectedAt.size} alerts received at ${achievedRate.toFixed(1)}/s; ` +
      `${steadyMissing} missing`,
  );
  const afterSteady = await scrapeNode();
  const steadyNode = nodeShareDelta(afterSteady, beforeSteady);
  log(`node's own share, steady phase: ${describeShare(steadyNode)}`);

  // Burst: one alert told to every connected dashboard at once (a resident with no carers → managers).
  const burstStart = now();
  await injectSosAlert({ databaseUrl, org: setup, residentId: setup.broadcastResident, functionsUrl: functions.url });
  const committed = now();
  await waitFor(() => (arrivals.get(setup.broadcastResident)?.length ?? 0) >= connections, 60_000);
  const burstArrivals = arrivals.get(setup.broadcastResident) ?? [];
  const burstMissing = Math.max(0, connections - burstArrivals.length);
  const lastArrival = Math.max(...burstArrivals);
  const burstRate = burstArrivals.length / ((lastArrival - committed) / 1000);
  if (process.env.BENCH_DEBUG) {
    const sorted = [...burstArrivals].sort((a, b) => a - b);
    const deciles = [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1].map((p) =>
      Math.round(percentile(sorted, p) - committed),
    );
    log(`burst arrivals after commit, ms at 10/25/50/75/90/95/99/100 %: ${deciles.join(' / ')}`);
  }
  log(
    `burst: ${burstArrivals.length} of ${connections} deliveries (${burstMissing} missing); insert+commit ` +
      `${Math.round(committed - burstStart)} ms, ingest answered → last frame ${Math.round(lastArrival - committed)} ms`,
  );
  const burstNode = nodeShareDelta(await scrapeNode(), afterSteady);
  log(`node's own share, burst: ${describeShare(burstNode)}`);
  const missing = warmupMissing + steadyMissing + burstMissing;

  await dashboards.close();
  const auditViolations = await auditBenchAlerts(sql, log);
  console.log(
    JSON.stringify({
      connections,
      connect_failures: connectFailures,
      missing,
      p50_ms: round(percentile(latencies, 0.5)),
      p99_ms: round(percentile(latencies, 0.99)),
      burst_deliveries_per_s: Math.round(burstRate),
      rss_mb_per_1k: round(rssPer1k),
      node_ms: { steady: shareFigures(steadyNode), burst: shareFigures(burstNode) },
    }),
  );
  if (connectFailures > 0 || missing > 0 || auditViolations > 0) {
    console.error(`[bench] failed: ${connectFailures} dashboards never connected, ${missing} alert frames missing`);
    process.exitCode = 1;
  }
}

const NOTIFY_TO_FRAME = 'carewatch_realtime_notify_to_frame_seconds';
const CLAIM_TO_FRAME = 'carewatch_realtime_claim_to_frame_seconds';
type NodeShare = { notifyToFrame: ScrapedHistogram; claimToFrame: ScrapedHistogram };

/** The node's histograms of its own spans: NOTIFY received → first frame written, claim committed → frame written. */
function nodeShare(metrics: string): NodeShare {
  return {
    notifyToFrame: scrapeHistogram(metrics, NOTIFY_TO_FRAME),
    claimToFrame: scrapeHistogram(metrics, CLAIM_TO_FRAME),
  };
}

function nodeShareDelta(after: NodeShare, before: NodeShare): NodeShare {
  return {
    notifyToFrame: histogramDelta(after.notifyToFrame, before.notifyToFrame),
    claimToFrame: histogramDelta(after.claimToFrame, before.claimToFrame),
  };
}

/** p50/p99 in ms at bucket resolution (linear inside the bucket); null when nothing was observed. */
function shareFigures(share: NodeShare) {
  const ms = (histogram: ScrapedHistogram, q: number) => round(histogramQuantile(histogram, q) * 1000);
  return {
    notify_to_frame_p50: ms(share.notifyToFrame, 0.5),
    notify_to_frame_p99: ms(share.notifyToFrame, 0.99),
    claim_to_frame_p50: ms(share.claimToFrame, 0.5),
    claim_to_frame_p99: ms(share.claimToFrame, 0.99),
  };
}

function describeShare(share: NodeShare): string {
  const figures = shareFigures(share);
  const mean = (histogram: ScrapedHistogram) => round((histogram.sum / histogram.count) * 1000);
  return (
    `NOTIFY received → frame written p50 ${figures.notify_to_frame_p50} / p99 ${figures.notify_to_frame_p99} / ` +
    `mean ${mean(share.notifyToFrame)} ms over ${share.notifyToFrame.count}; claim committed → frame written ` +
    `p50 ${figures.claim_to_frame_p50} / p99 ${figures.claim_to_frame_p99} / mean ${mean(share.claimToFrame)} ms ` +
    `over ${share.claimToFrame.count}`
  );
}

runBench(main);
