// `npm run bench:camera`: time to first decoded frame in headless Chromium for a 5 s GOP source (keyframe cache),
// through WHEP and through the dashboard WebSocket, and the camera process's CPU per forwarded 640×480/30 stream
// with 1, 10 and 25 viewers. A viewer that gets no video (none within 15 s, or none during a measured window) is
// counted in `viewers_without_video` and fails the run: a viewer left without packets would lower the CPU figure.
// Before it, per flow, the median time of each milestone of a join (`ttff breakdown, …`: offer/answer, ICE, DTLS,
// first RTP packet, first painted frame, from the viewer page's events). After the viewers the camera gets
// event-media consent and 30 SOS alerts, one a second, each storing a snapshot: `snapshot_p99_ms` is alert committed
// → snapshot stored (infra/bench/camera-snapshots.ts). Last stdout line:
// {"ttff_ms_gop5s":…,"ttff_ms_gop5s_websocket":…,"cpu_pct_per_viewer":{"1":…,"10":…,"25":…},
// "viewers_without_video":0,"viewer_retries":…,"snapshot_p99_ms":…,"snapshot_median_ms":…,"snapshots_failed":0}
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import nodeDataChannel from 'node-datachannel';
import { issueAccessToken } from '../../core/auth/access-token';
import { createDatabase, postgresMigrationTarget } from '../../db/client';
import { startEmbeddedPostgres } from '../../db/embedded';
import { migrate } from '../../db/migrate';
import { launchChromium } from '../../realtime/camera/testing';
import type {} from '../../realtime/camera/viewer-page';
import { seedDemoOrganisation } from '../demo-organisation';
import { measureSnapshotLatency } from './camera-snapshots';

const TTFF_RUNS = Number(process.env.BENCH_TTFF_RUNS ?? 5);
const SNAPSHOT_ALERTS = Number(process.env.BENCH_SNAPSHOT_ALERTS ?? 30);
const CPU_WINDOW_MS = Number(process.env.BENCH_CPU_WINDOW_MS ?? 5000);
const CPU_WINDOWS = 3;
const VIEWER_COUNTS = [1, 10, 25];
let viewerRetries = 0;
let viewersWithoutVideo = 0;
const FIRST_PACKET_TIMEOUT_MS = 15_000;
const JWT_SECRET = 'camera-bench-secret-camera-bench-secret-0123456789';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

const dataDir = mkdtempSync(join(tmpdir(), 'carewatch-camera-bench-'));
const postgresServer = await startEmbeddedPostgres({
  dataDir,
  port: 'any',
  persistent: false,
});
const { sql, db } = createDatabase(postgresServer.url, { max: 2 });
let server: ChildProcess | null = null;
try {
  await migrate(postgresMigrationTarget(sql));
  const seed = await seedDemoOrganisation(db, { orgName: 'Camera Bench Centre', slug: 'bench' });
  await sql`update cameras set source = ${JSON.stringify({ type: 'test-pattern', width: 640, height: 480, fps: 30, gopSeconds: 5 })}::text::jsonb
             where id = ${seed.cameraId}`;
  const manager = seed.logins.find((login) => login.role === 'manager');
  if (!manager) throw new Error('seed has no manager');
  const { token } = await issueAccessToken(
    { staffId: manager.staffId, orgId: seed.orgId, role: 'manager' },
    JWT_SECRET,
    3600,
  );

  server = spawn(process.execPath, ['--import', 'tsx', new URL('./camera-server.ts', import.meta.url).pathname], {
    env: {
      ...process.env,
      DATABASE_URL: postgresServer.url,
      JWT_SECRET,
      CAMERA_ICE_BIND_ADDRESS: '127.0.0.1',
      CAMERA_RTP_HOST: '127.0.0.1',
      // Every bench viewer is the same admin: the per-staff WHEP cap (16) must not stop the 25-viewer case.
      CAMERA_WHEP_SESSIONS_PER_STAFF: '64',
      MEDIA_STORE: 'file',
      MEDIA_DIR: join(dataDir, 'media'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    server?.once('exit', (code) => reject(new Error(`camera server exited with ${code}`)));
    createInterface({ input: server?.stdout ?? process.stdin }).once('line', (line) => resolve(JSON.parse(line)));
  });
  const whepUrl = `${ready.url}/whep/${seed.cameraId}`;

  // --- time to first decoded frame in Chromium, joining at a random point of the 5 s GOP, over both flows ---
  const wsUrl = `${ready.url.replace('http://', 'ws://')}/ws`;
  const browser = await launchChromium();
  const ttff = { whep: [] as number[], ws: [] as number[] };
  // Where each join's time went: the viewer page's milestones (ms after the watch began), one list per flow.
  const timelines = { whep: [] as Record<string, number>[], ws: [] as Record<string, number>[] };
  try {
    const page = await browser.newPage();
    await page.goto(`${ready.url}/camera/viewer`);
    const watch = async (flow: 'whep' | 'ws') => {
      const result =
        flow === 'whep'
          ? await page.evaluate((options) => window.camera.watchWhep(options), { cameraId: seed.cameraId, token })
          : await page.evaluate((options) => window.camera.watchWebSocket(options), {
              url: wsUrl,
              cameraId: seed.cameraId,
              token,
            });
      if ('error' in result || ('status' in result && result.status !== 201)) {
        throw new Error(`${flow} watch refused: ${JSON.stringify(result)}`);
      }
    };
    const firstFrameMs = async () => {
      for (let waited = 0; waited < 15_000; waited += 20) {
        const stats = await page.evaluate(() => window.camera.stats());
        if (stats.firstFrameMs !== null && stats.framesDecoded > 0) return stats.firstFrameMs;
        await sleep(20);
      }
      throw new Error('no frame decoded within 15 s');
    };
    // Warm-up: starts the encoder and fills the keyframe cache, as a camera that is already streaming would.
    await watch('whep');
    await firstFrameMs();
    await page.evaluate(() => window.camera.stop());
    for (let run = 0; run < TTFF_RUNS; run++) {
      for (const flow of ['whep', 'ws'] as const) {
        await sleep(500 + Math.random() * 5000);
        await watch(flow);
        ttff[flow].push(await firstFrameMs());
        timelines[flow].push((await page.evaluate(() => window.camera.stats())).timeline);
        await page.evaluate(() => window.camera.stop());
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`ttff ms (5 s GOP), WHEP: ${ttff.whep.map((ms) => Math.round(ms)).join(', ')}`);
  console.log(`ttff ms (5 s GOP), dashboard WebSocket: ${ttff.ws.map((ms) => Math.round(ms)).join(', ')}`);
  for (const flow of ['whep', 'ws'] as const) {
    const phases = [...new Set(timelines[flow].flatMap((timeline) => Object.keys(timeline)))];
    const medians = phases
      .map((phase) => {
        const values = timelines[flow].map((timeline) => timeline[phase]).filter((ms) => ms !== undefined);
        return { phase, ms: median(values), n: values.length };
      })
      .sort((a, b) => a.ms - b.ms);
    console.log(
      `ttff breakdown, ${flow === 'whep' ? 'WHEP' : 'dashboard WebSocket'} (median ms after the watch began): ` +
        medians.map(({ phase, ms, n }) => `${phase} ${ms.toFixed(1)}${n < TTFF_RUNS ? ` (${n} runs)` : ''}`).join(', '),
    );
  }

  // --- CPU of the camera process per forwarded stream ---
  const cpuTicks = () => {
    const fields = readFileSync(`/proc/${ready.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100 Hz)
  };
  // One 100 Hz tick over a 5 s window is 0.2 % of a core: each figure is the median of CPU_WINDOWS windows.
  const cpuPercent = async () => {
    const windows: number[] = [];
    for (let window = 0; window < CPU_WINDOWS; window++) {
      const startTicks = cpuTicks();
      const started = performance.now();
      await sleep(CPU_WINDOW_MS);
      windows.push(((cpuTicks() - startTicks) / 100 / ((performance.now() - started) / 1000)) * 100);
    }
    return median(windows);
  };
  const baseline = await cpuPercent();
  console.log(`camera process CPU with the feed running and no viewer: ${baseline.toFixed(2)}%`);
  const perViewer: Record<string, number> = {};
  for (const count of VIEWER_COUNTS) {
    const viewers: Awaited<ReturnType<typeof openWhepViewer>>[] = [];
    for (let index = 0; index < count; index++) viewers.push(await openWhepViewer(whepUrl, token));
    const firstPackets = await Promise.all(
      viewers.map((viewer) => Promise.race([viewer.receiving.then(() => true), sleep(FIRST_PACKET_TIMEOUT_MS)])),
    );
    await sleep(1000);
    const packetsBefore = viewers.map((viewer) => viewer.packets());
    const total = await cpuPercent();
    const packets = viewers.reduce((sum, viewer) => sum + viewer.packets(), 0);
    const withoutVideo = viewers.filter(
      (viewer, index) => !firstPackets[index] || viewer.packets() === packetsBefore[index],
    ).length;
    viewersWithoutVideo += withoutVideo;
    perViewer[String(count)] = Math.round(((total - baseline) / count) * 100) / 100;
    console.log(
      `${count} viewers: camera process ${total.toFixed(2)}% CPU, ${packets} packets received, ` +
        `${withoutVideo} without video, ${viewerRetries} client retries`,
    );
    await Promise.all(viewers.map((viewer) => viewer.close()));
    await sleep(500);
  }
  // --- alert snapshots: the camera gets event-media consent (its feed starts a pre-alarm ring at the next reconcile
  // pass, CAMERA_ACCESS_RECHECK_MS), then SOS alerts for its resident, one a second ---
  await sql`update cameras set event_media_consent_given_by = 'resident', event_media_consent_recorded_at = now()
             where id = ${seed.cameraId}`;
  await sleep(12_000);
  const [camera] = await sql<{ orgId: string; residentId: string }[]>`
    select org_id as "orgId", resident_id as "residentId" from cameras where id = ${seed.cameraId}`;
  if (!camera) throw new Error('bench camera is gone');
  const snapshots = await measureSnapshotLatency(sql, camera, SNAPSHOT_ALERTS, 1000);
  console.log(
    `snapshots: ${snapshots.samples.length} stored, median ${Math.round(median(snapshots.samples))} ms, ` +
      `p99 ${Math.round(percentile(snapshots.samples, 99))} ms, ${snapshots.failed.length} failed ` +
      JSON.stringify(snapshots.failed.slice(0, 3)),
  );
  console.log(
    JSON.stringify({
      ttff_ms_gop5s: Math.round(median(ttff.whep)),
      ttff_ms_gop5s_websocket: Math.round(median(ttff.ws)),
      cpu_pct_per_viewer: perViewer,
      viewers_without_video: viewersWithoutVideo,
      viewer_retries: viewerRetries,
      snapshot_p99_ms: Math.round(percentile(snapshots.samples, 99)),
      snapshot_median_ms: Math.round(median(snapshots.samples)),
      snapshots_failed: snapshots.failed.length,
    }),
  );
  if (snapshots.failed.length > 0) {
    console.error(`[bench] failed: ${snapshots.failed.length} alerts got no snapshot`);
    process.exitCode = 1;
  }
  if (viewersWithoutVideo > 0) {
    console.error(`[bench] failed: ${viewersWithoutVideo} viewers got no video while measured`);
    process.exitCode = 1;
  }
} finally {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    server.kill('SIGTERM');
    await Promise.race([exited, sleep(3000)]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  await sql.end();
  await postgresServer.stop();
  rmSync(dataDir, { recursive: true, force: true });
  nodeDataChannel.cleanup();
}
// node-datachannel's threads keep the loop alive after cleanup on some builds; the figures are printed.
process.exit();

/** Opens a WHEP viewer, retrying a client whose libdatachannel agent lost its ICE transport (seen under load). */
async function openWhepViewer(url: string, token: string): Promise<Awaited<ReturnType<typeof tryWhepViewer>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryWhepViewer(url, token);
    } catch (error) {
      if (attempt === 3) throw error;
      viewerRetries++;
      console.log(`viewer setup failed (${(error as Error).message}); retrying`);
    }
  }
}

/** A node-datachannel WHEP client: offers a receive-only H264 track and counts the RTP packets it gets. */
async function tryWhepViewer(url: string, token: string) {
  const pc = new nodeDataChannel.PeerConnection('bench-viewer', { iceServers: [], bindAddress: '127.0.0.1' });
  const video = new nodeDataChannel.Video('0', 'RecvOnly');
  video.addH264Codec(96);
  const track = pc.addTrack(video);
  let packets = 0;
  const receiving = new Promise<void>((resolve) => {
    track.onMessage(() => {
      packets++;
      if (packets === 1) resolve();
    });
  });
  const gathered = new Promise<void>((resolve) => {
    pc.onGatheringStateChange((state) => {
      if (state === 'complete') resolve();
    });
  });
  pc.setLocalDescription();
  await gathered;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` },
    body: pc.localDescription()?.sdp ?? '',
  });
  if (response.status !== 201) throw new Error(`WHEP answered ${response.status}: ${await response.text()}`);
  const location = response.headers.get('location');
  const close = async () => {
    pc.close();
    await fetch(new URL(location ?? '', url), { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  };
  try {
    pc.setRemoteDescription(await response.text(), 'answer');
  } catch (error) {
    await close();
    throw error;
  }
  return {
    receiving,
    packets: () => packets,
    close,
    // node-datachannel closes a Track whose JS object is collected: keep it referenced while the viewer lives.
    track,
  };
}
