// `npm run bench:scale`: 100,000 authenticated dashboards over BENCH_NODES realtime node processes (default 7: a
// process may hold 20,000 open files here, and after one node dies the others must still fit its dashboards), each
// node on its own port (~14,300 clients per destination port, inside the ~28,000 loopback ephemeral ports), as many
// client processes as nodes, each holding a share of every node's dashboards (so a killed node's reconnects are
// spread over all of them, as browsers' would be). SOS alerts go in through POST /v1/ingest/events at BENCH_RATE/s for BENCH_SECONDS; then
// the node first connected is SIGKILLed while alerts keep coming, and its dashboards reconnect to the others the
// way the console does (its backoff, resume.<last seq>). Prints one JSON line of figures last; exits non-zero when a
// dashboard never connected or came back, an alert frame never arrived, or the alert audit finds a violation.
// Knobs: BENCH_CONNECTIONS, BENCH_NODES, BENCH_RATE, BENCH_SECONDS, BENCH_DATABASE_URL.
import { seedDemoOrganisation } from '../demo-organisation';
import { injectSosAlert, stopInjectionServers } from '../testing/inject';
import { auditBenchAlerts } from './alert-audit';
import {
  analyzeInUse,
  benchDatabase,
  cleanups,
  connectDashboardsAcross,
  log,
  newReconnects,
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
import {
  histogramDelta,
  histogramQuantile,
  histogramSum,
  type ScrapedHistogram,
  scrapeHistogram,
} from './scraped-histogram';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100_000);
const NODES = Number(process.env.BENCH_NODES ?? 7);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP_SECONDS = 2;
/** Alerts keep coming for this long after the kill: the storm must not cost any of them. */
const STORM_SECONDS = 5;
const ARRIVAL_DEADLINE_MS = 30_000;
/** Alerts for the killed node's dashboards arrive once those reconnect: late, not lost, so they get longer. */
const STORM_ARRIVAL_DEADLINE_MS = 150_000;

type Setup = Awaited<ReturnType<typeof prepare>>;

/**
 * The nodes' own spans, scraped from the surviving nodes around the storm, to tell their delay from the client
 * processes' (which stamp each arrival, and are themselves busy reconnecting the killed node's dashboards): a
 * NOTIFY of new deliveries → the first frame written, and a delivery's creation → its first frame written.
 */
const SHARES = ['carewatch_realtime_notify_to_frame_seconds', 'carewatch_realtime_delivery_latency_seconds'];

async function nodeShares(nodes: { metricsUrl: string }[]): Promise<ScrapedHistogram[][]> {
  return Promise.all(
    nodes.map(async (node) => {
      const text = await (await fetch(node.metricsUrl)).text();
      return SHARES.map((name) => scrapeHistogram(text, name));
    }),
  );
}

async function main() {
  const { databaseUrl, sql, db } = await benchDatabase();
  const slug = `scale${Date.now()}`;
  const org = await seedDemoOrganisation(db, { orgName: `Scale Centre ${Date.now()}`, slug, residents: 1 });
  const setup = await prepare(sql, org.orgId, slug, CONNECTIONS);
  await settleAfterBulkLoad(sql);
  log(`seeded ${setup.staff.length} dashboard staff and residents`);

  cleanups.unshift(() => stopInjectionServers());
  const functions = await spawnFunctions(databaseUrl);
  cleanups.unshift(() => stopChild(functions.child));
  const nodes: Awaited<ReturnType<typeof spawnNode>>[] = [];
  for (let index = 0; index < NODES; index++) {
    const node = await spawnNode(databaseUrl, { NODE_ID: `scale-${index}` });
    cleanups.unshift(() => stopChild(node.child));
    nodes.push(node);
  }
  await sleep(1_000);
  const nodesRss = () => nodes.reduce((sum, node) => sum + rssMb(node.child.pid), 0);
  const rssBefore = nodesRss();

  // Staff i has resident i; node k holds the k-th slice of staff.
  const share = Math.ceil(setup.staff.length / NODES);
  const arrivals = new Map<string, number[]>();
  const reconnects = newReconnects();
  const started = now();
  const dashboards = await connectDashboardsAcross(
    nodes.map((node, index) => ({
      wsUrl: node.wsUrl,
      staffIds: setup.staff.slice(index * share, (index + 1) * share),
      fallbackUrls: nodes.filter((other) => other !== node).map((other) => other.wsUrl),
    })),
    org.orgId,
    NODES,
    arrivals,
    reconnects,
  );
  const groups = dashboards.perNode;
  const connections = groups.reduce((sum, group) => sum + group.connections, 0);
  const connectFailures = groups.reduce((sum, group) => sum + group.connectFailures, 0);
  log(
    `${connections} dashboards connected over ${NODES} nodes (${groups.map((group) => group.connections).join(' / ')}; ` +
      `${connectFailures} failed) in ${Math.round(now() - started)} ms`,
  );
  const failed = groups.flatMap((group) => group.attemptsFailed);
  if (failed.length > 0) log(`connection attempts that failed (first few): ${failed.slice(0, 5).join('; ')}`);
  await sleep(3_000);
  const rssIdle = nodesRss();
  const rssPer1k = ((rssIdle - rssBefore) / connections) * 1000;
  log(`nodes' RSS ${rssBefore.toFixed(0)} MB before, ${rssIdle.toFixed(0)} MB with ${connections} idle connections`);

  // Residents taken round-robin over the nodes' slices, so every node's dashboards get alerts in every phase.
  const spread = (count: number, offset: number) =>
    Array.from({ length: count }, (_, index) => {
      const k = offset + index;
      return setup.residents[(k % NODES) * share + Math.floor(k / NODES)];
    }).filter((residentId): residentId is string => residentId !== undefined);
  const beforeAnalyze = spread(RATE, 0);
  const warmup = spread(RATE * WARMUP_SECONDS, beforeAnalyze.length);
  const steady = spread(RATE * SECONDS, beforeAnalyze.length + warmup.length);
  const storm = spread(RATE * STORM_SECONDS, beforeAnalyze.length + warmup.length + steady.length);

  // The warm-up goes on after the in-use analyze: the analyze invalidates every cached plan, and a phase begun
  // right after it spent its first 0.7–0.9 s making them again (3–20× slower ingests).
  const beforeAnalyzeLatencies = await injectAtRate(setup, databaseUrl, functions.url, beforeAnalyze, arrivals);
  await analyzeInUse(sql);
  const warmupLatencies = await injectAtRate(setup, databaseUrl, functions.url, warmup, arrivals);
  log(
    `warm-up: ${beforeAnalyze.length} + ${warmup.length} alerts around the analyze (not measured), ` +
      `${missingOf(beforeAnalyzeLatencies) + missingOf(warmupLatencies)} missing`,
  );
  log(`steady phase: ${RATE} alerts/s for ${SECONDS} s over ${NODES} nodes`);
  await dashboards.loopDelays();
  const latencies = await injectAtRate(setup, databaseUrl, functions.url, steady, arrivals);
  log(
    `steady: p50 ${round(percentile(latencies, 0.5))} ms, p99 ${round(percentile(latencies, 0.99))} ms, ` +
      `${missingOf(latencies)} missing`,
  );
  logLoopDelays('steady', await dashboards.loopDelays());

  // The storm: the first node dies with its dashboards while alerts keep coming (to its staff too).
  const victim = nodes[0];
  const victimConnections = groups[0]?.connections ?? 0;
  if (!victim) throw new Error('no node to kill');
  const survivors = nodes.filter((node) => node !== victim);
  const survivorsBefore = await nodeShares(survivors);
  const killedAt = now();
  victim.child.kill('SIGKILL');
  log(`SIGKILL ${victimConnections} dashboards' node; alerts go on at ${RATE}/s for ${STORM_SECONDS} s`);
  const stormLatencies = await injectAtRate(
    setup,
    databaseUrl,
    functions.url,
    storm,
    arrivals,
    STORM_ARRIVAL_DEADLINE_MS,
  );
  await waitFor(() => reconnects.back.length >= victimConnections, 60_000);
  const reconnected = reconnects.back.length;
  const reconnectAllS = reconnected > 0 ? (Math.max(...reconnects.back) - killedAt) / 1000 : Number.NaN;
  const sortedBack = [...reconnects.back].sort((a, b) => a - b).map((at) => at - killedAt);
  log(
    `reconnect storm: ${reconnected}/${victimConnections} back (${reconnects.lost.length} saw the close); half by ` +
      `${round(percentile(sortedBack, 0.5) / 1000)} s, all by ${round(reconnectAllS)} s; ${reconnects.failed} ` +
      `attempts failed${reconnects.reasons.length > 0 ? ` (${reconnects.reasons.slice(0, 3).join('; ')})` : ''}`,
  );
  const byTimes = [2, 5, 10, 15, 20, 30, 45].map(
    (seconds) => `${seconds} s: ${sortedBack.filter((at) => at <= seconds * 1000).length}`,
  );
  log(`back by ${byTimes.join(', ')}`);
  const codes = Object.entries(reconnects.closeCodes).map(([code, count]) => `${code} ×${count}`);
  log(`close codes the dashboards saw: ${codes.join(', ') || 'none'}`);
  log(
    `alerts during the storm: p50 ${round(percentile(stormLatencies, 0.5))} ms, ` +
      `p99 ${round(percentile(stormLatencies, 0.99))} ms, max ${round(stormLatencies.at(-1) ?? Number.NaN)} ms, ` +
      `${missingOf(stormLatencies)} never arrived`,
  );
  logLoopDelays('storm', await dashboards.loopDelays());
  const survivorsAfter = await nodeShares(survivors);
  log(
    `the surviving nodes' own share during the storm: ${SHARES.map((name, index) => {
      const span = histogramDelta(
        histogramSum(survivorsAfter.map((spans) => spans[index] as ScrapedHistogram)),
        histogramSum(survivorsBefore.map((spans) => spans[index] as ScrapedHistogram)),
      );
      const ms = (q: number) => round(histogramQuantile(span, q) * 1000);
      return `${name.replace(/^carewatch_realtime_|_seconds$/g, '')} p50 ${ms(0.5)} / p99 ${ms(0.99)} ms over ${span.count}`;
    }).join('; ')}`,
  );
  const alertsMissing =
    missingOf(beforeAnalyzeLatencies) + missingOf(warmupLatencies) + missingOf(latencies) + missingOf(stormLatencies);

  await dashboards.close();
  const auditViolations = await auditBenchAlerts(sql, log);
  console.log(
    JSON.stringify({
      connections,
      nodes: NODES,
      p50_ms: round(percentile(latencies, 0.5)),
      p99_ms: round(percentile(latencies, 0.99)),
      rss_mb_per_1k: round(rssPer1k),
      reconnect_all_s: round(reconnectAllS),
      alerts_missing: alertsMissing,
    }),
  );
  if (connectFailures > 0 || reconnected < victimConnections || alertsMissing > 0 || auditViolations > 0) {
    console.error(
      `[bench] failed: ${connectFailures} never connected, ${victimConnections - reconnected} never came back, ` +
        `${alertsMissing} alert frames missing, ${auditViolations} audit violations`,
    );
    process.exitCode = 1;
  }
}

/**
 * SOS alerts for `residents` through the ingest endpoint at RATE per second; each one's latency is inject call →
 * first frame received, sorted, and an alert that never arrived counts as infinitely late.
 */
async function injectAtRate(
  setup: Setup,
  databaseUrl: string,
  functionsUrl: string,
  residents: string[],
  arrivals: Map<string, number[]>,
  deadlineMs = ARRIVAL_DEADLINE_MS,
): Promise<number[]> {
  const injectedAt = new Map<string, number>();
  const start = now();
  const injections: Promise<unknown>[] = [];
  for (const [index, residentId] of residents.entries()) {
    const wait = start + (index * 1000) / RATE - now();
    if (wait > 0) await sleep(wait);
    injectedAt.set(residentId, now());
    injections.push(injectSosAlert({ databaseUrl, org: setup, residentId, functionsUrl }));
  }
  await Promise.all(injections);
  await waitFor(() => residents.every((residentId) => arrivals.has(residentId)), deadlineMs);
  return [...injectedAt]
    .map(([residentId, at]) => {
      const first = arrivals.get(residentId)?.[0];
      return first === undefined ? Number.POSITIVE_INFINITY : first - at;
    })
    .sort((a, b) => a - b);
}

/** An arrival is stamped when its client process gets to it: that process's own delays are part of the latency. */
function logLoopDelays(phase: string, delays: { p99Ms: number; maxMs: number }[]): void {
  const p99s = delays.map((delay) => round(delay.p99Ms)).join(' / ');
  log(
    `${phase}: client processes' event-loop delay p99 ${p99s} ms, max ${round(Math.max(...delays.map((d) => d.maxMs)))} ms`,
  );
}

function missingOf(sortedLatencies: number[]): number {
  return sortedLatencies.filter((latency) => latency === Number.POSITIVE_INFINITY).length;
}

runBench(main);
