import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { raiseAlert } from '../../db/alerts/raise-alert';
import type { AlertKind, AlertSeverity } from '../../db/schema/alerts';
import { freePort } from '../../infra/testing/tls-client';
import { type RealtimeNode, startRealtimeNode } from '../node';
import { testRealtimeConfig } from '../testing';
import { type CameraDatabase, launchChromium, seedCameraDatabase, testCameraEnv, testPatternRtpArgs } from './testing';

// Event media end to end on real realtime nodes: a camera with event-media consent keeps its pre-alarm ring, an SOS
// for its resident stores a snapshot at once and a clip of the seconds before and after, once, on the node that
// owns the feed; what is not configured or not consented captures nothing; and faults (no keyframe, ffmpeg crashing,
// storage unwritable) mark the capture failed without touching the alert.

const run = promisify(execFile);
const CLIP_SECONDS = 2;

interface MediaRow {
  id: string;
  cameraId: string | null;
  kind: 'snapshot' | 'clip';
  state: string;
  nodeId: string;
  storageKey: string | null;
  bytes: number | null;
  error: string | null;
  capturedFrom: Date | null;
  capturedUntil: Date | null;
}

let seeded: CameraDatabase;
let folder: string;
let browser: Browser | undefined;
const nodes: RealtimeNode[] = [];
const feeders: ChildProcess[] = [];
const cleanupTimers: (() => void)[] = [];

async function startNode(name: string, env: Record<string, string> = {}): Promise<RealtimeNode> {
  const node = await startRealtimeNode(testRealtimeConfig(seeded.database.url, { NODE_ID: name }), '127.0.0.1', {
    cameraEnv: {
      ...testCameraEnv,
      CAMERA_ACCESS_RECHECK_MS: '250',
      CAMERA_FEED_LEASE_MS: '1500',
      CAMERA_CLIP_SECONDS: String(CLIP_SECONDS),
      MEDIA_DIR: join(folder, 'media'),
      ...env,
    },
  });
  nodes.push(node);
  return node;
}

async function addCamera(
  name: string,
  source: { type: string; port: number },
  consents: { live: boolean; media: boolean },
) {
  const sql = seeded.database.sql;
  const [row] = await sql<{ id: string }[]>`
    insert into cameras (org_id, resident_id, name, source, consent_given_by, consent_recorded_at,
                         event_media_consent_given_by, event_media_consent_recorded_at)
    values (${seeded.orgId}, ${seeded.residentId}, ${name}, ${sql.json(source)},
            ${consents.live ? 'resident' : null}, ${consents.live ? new Date() : null},
            ${consents.media ? 'resident' : null}, ${consents.media ? new Date() : null})
    returning id`;
  if (!row) throw new Error('no camera');
  return row.id;
}

/** Streams ffmpeg's test pattern as H264 RTP to `port` (a camera pushing to the node) until the test ends. */
function feedRtp(port: number): void {
  const child = spawn('ffmpeg', testPatternRtpArgs(port, { width: 320, height: 240, fps: 25, gopSeconds: 1 }));
  feeders.push(child);
}

async function raise(kind: AlertKind, severity: AlertSeverity): Promise<string> {
  const raised = await seeded.database.sql.begin((tx) =>
    raiseAlert(tx, {
      orgId: seeded.orgId,
      residentId: seeded.residentId,
      kind,
      severity,
      dedupKey: `${seeded.residentId}:${kind}`,
      title: `${kind} (${severity})`,
    }),
  );
  return raised.alertId;
}

const resolveAll = () => seeded.database.sql`
  update alerts set status = 'resolved', resolved_at = now() where resident_id = ${seeded.residentId}`;

const mediaOf = (alertId: string) =>
  seeded.database.sql<MediaRow[]>`
    select id, camera_id as "cameraId", kind, state, node_id as "nodeId", storage_key as "storageKey", bytes, error,
           captured_from as "capturedFrom", captured_until as "capturedUntil"
      from alert_media where alert_id = ${alertId} order by kind::text, camera_id`;

async function settledMedia(alertId: string, count: number): Promise<MediaRow[]> {
  await expect
    .poll(async () => (await mediaOf(alertId)).filter((row) => row.state !== 'capturing').length, {
      timeout: 20_000,
      interval: 100,
    })
    .toBe(count);
  return mediaOf(alertId);
}

async function probe(file: string) {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
    ...['-show_entries', 'stream=codec_name,width,height,nb_read_frames:format=duration', '-of', 'json', file],
  ]);
  const parsed = JSON.parse(stdout) as {
    streams: { codec_name: string; width: number; height: number; nb_read_frames: string }[];
    format: { duration?: string };
  };
  return { ...parsed.streams[0], duration: Number(parsed.format.duration) };
}

async function feedLive(node: RealtimeNode, cameraId: string): Promise<void> {
  await expect
    .poll(async () => (await node.camera?.feedStats(cameraId))?.state, { timeout: 15_000, interval: 100 })
    .toBe('live');
}

/** Until the feed holds a whole keyframe, which a snapshot needs: live from its first packet, it may wait a GOP. */
async function keyframeCached(node: RealtimeNode, cameraId: string): Promise<void> {
  await expect
    .poll(async () => (await node.camera?.feedStats(cameraId))?.keyframeCached, { timeout: 15_000, interval: 100 })
    .toBe(true);
}

beforeAll(async () => {
  seeded = await seedCameraDatabase();
  folder = await mkdtemp(join(tmpdir(), 'carewatch-event-media-'));
  // The demo camera: a test pattern with a keyframe every second, consented to live viewing and event media.
  await seeded.database.sql`
    update cameras set source = ${seeded.database.sql.json({ type: 'test-pattern', width: 640, height: 480, fps: 25, gopSeconds: 1 })},
           event_media_consent_given_by = 'resident', event_media_consent_recorded_at = now()
     where id = ${seeded.cameraId}`;
});

afterAll(async () => {
  for (const child of feeders) child.kill('SIGKILL');
  for (const cleanup of cleanupTimers) cleanup();
  await browser?.close();
  for (const node of nodes.splice(0)) await node.stop().catch(() => {});
  await seeded?.database.drop();
  await rm(folder, { recursive: true, force: true });
});

describe('event media on an alert', () => {
  test('an SOS stores one snapshot and one clip per consented camera, once, on the node that owns the feed', async () => {
    const liveOnly = await addCamera(
      'live only',
      { type: 'rtp', port: await freePort() },
      { live: true, media: false },
    );
    const [a, b] = [await startNode('media-a'), await startNode('media-b')];
    await expect
      .poll(
        async () =>
          (await seeded.database.sql`select 1 from camera_feed_leases where camera_id = ${seeded.cameraId}`).length,
        { timeout: 10_000 },
      )
      .toBe(1);
    const [lease] = await seeded.database.sql<{ nodeId: string }[]>`
      select node_id as "nodeId" from camera_feed_leases where camera_id = ${seeded.cameraId}`;
    const owner = lease?.nodeId === 'media-a' ? a : b;
    await feedLive(owner, seeded.cameraId);
    // The ring holds more than the clip's window before the alert.
    await new Promise((resolve) => setTimeout(resolve, (CLIP_SECONDS + 1) * 1000));

    const raisedAt = Date.now();
    const alertId = await raise('sos', 'critical');
    const rows = await settledMedia(alertId, 2);
    expect(rows.map((row) => [row.kind, row.state, row.cameraId, row.nodeId])).toEqual([
      ['clip', 'stored', seeded.cameraId, lease?.nodeId],
      ['snapshot', 'stored', seeded.cameraId, lease?.nodeId],
    ]);
    expect(rows.some((row) => row.cameraId === liveOnly)).toBe(false);
    const [clip, snapshot] = rows as [MediaRow, MediaRow];

    const snapshotFile = join(folder, 'media', snapshot.storageKey ?? '');
    const jpeg = await readFile(snapshotFile);
    expect(jpeg.length).toBe(snapshot.bytes);
    expect(await probe(snapshotFile)).toMatchObject({ codec_name: 'mjpeg', width: 640, height: 480 });
    expect(snapshot.capturedFrom?.getTime()).toBeGreaterThanOrEqual(raisedAt - 1000);

    const clipFile = join(folder, 'media', clip.storageKey ?? '');
    const video = await probe(clipFile);
    // The camera's own H264 at its own size: remuxed, not re-encoded.
    expect(video).toMatchObject({ codec_name: 'h264', width: 640, height: 480 });
    const span = ((clip.capturedUntil?.getTime() ?? 0) - (clip.capturedFrom?.getTime() ?? 0)) / 1000;
    expect(Math.abs(video.duration - span)).toBeLessThan(1);
    // At least the configured seconds before the alert and after it (whole GOPs before: up to one more second).
    expect(video.duration).toBeGreaterThanOrEqual(2 * CLIP_SECONDS - 0.5);
    expect(video.duration).toBeLessThan(2 * CLIP_SECONDS + 2.5);
    expect((clip.capturedFrom?.getTime() ?? 0) + 1000).toBeLessThanOrEqual(raisedAt - (CLIP_SECONDS - 1) * 1000);

    // The same alert woken again (attached events, a sweep) captures nothing more.
    await raise('sos', 'critical');
    await owner.camera?.eventMedia?.sweep();
    await owner.camera?.eventMedia?.settled();
    expect(await mediaOf(alertId)).toHaveLength(2);

    browser = await launchChromium();
    const page = await browser.newPage();
    await page.setContent('<img id="snapshot"><video id="clip" muted playsinline></video>');
    const played = await page.evaluate(
      async ({ jpegBase64, mp4Base64 }) => {
        const blob = (base64: string, type: string) =>
          URL.createObjectURL(new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type }));
        const img = document.getElementById('snapshot') as HTMLImageElement;
        const shown = new Promise<number>((resolve, reject) => {
          img.onload = () => resolve(img.naturalWidth);
          img.onerror = () => reject(new Error('snapshot did not load'));
        });
        img.src = blob(jpegBase64, 'image/jpeg');
        const video = document.getElementById('clip') as HTMLVideoElement;
        const ended = new Promise<number>((resolve, reject) => {
          video.onended = () => resolve(video.duration);
          video.onerror = () => reject(new Error(`clip error ${video.error?.code}`));
        });
        video.src = blob(mp4Base64, 'video/mp4');
        video.playbackRate = 4;
        await video.play();
        return { snapshotWidth: await shown, duration: await ended };
      },
      { jpegBase64: jpeg.toString('base64'), mp4Base64: (await readFile(clipFile)).toString('base64') },
    );
    expect(played.snapshotWidth).toBe(640);
    expect(Math.abs(played.duration - span)).toBeLessThan(1);
    await resolveAll();
  }, 90_000);

  test('kinds the organisation does not capture take nothing; no activity captures only at its critical step', async () => {
    const lowBattery = await raise('low_battery', 'low');
    const silence = await raise('no_activity', 'high');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await Promise.all(nodes.map((node) => node.camera?.eventMedia?.settled()));
    expect(await mediaOf(lowBattery)).toEqual([]);
    expect(await mediaOf(silence)).toEqual([]);
    // The silence ladder's last step raises the same alert's severity.
    expect(await raise('no_activity', 'critical')).toBe(silence);
    expect((await settledMedia(silence, 2)).map((row) => row.state)).toEqual(['stored', 'stored']);
    // An organisation that turns media off for SOS gets none for its next one.
    await seeded.database.sql`
      update organisations set settings = settings || ${seeded.database.sql.json({ eventMediaKinds: { fall: 'low' } })}
       where id = ${seeded.orgId}`;
    await resolveAll();
    const sos = await raise('sos', 'critical');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await Promise.all(nodes.map((node) => node.camera?.eventMedia?.settled()));
    expect(await mediaOf(sos)).toEqual([]);
    await seeded.database
      .sql`update organisations set settings = settings - 'eventMediaKinds' where id = ${seeded.orgId}`;
    await resolveAll();

    // A wake-up lost (an alert written without its NOTIFY): the event-media sweep finds it, and only it.
    const quiet = async (kind: AlertKind) => {
      const [row] = await seeded.database.sql<{ id: string }[]>`
        insert into alerts (org_id, resident_id, kind, severity, dedup_key, title)
        values (${seeded.orgId}, ${seeded.residentId}, ${kind}, 'critical', ${`${seeded.residentId}:${kind}:quiet`}, 'quiet')
        returning id`;
      return row?.id ?? '';
    };
    const [fire, battery] = [await quiet('fire'), await quiet('low_battery')];
    // No NOTIFY went out: only a sweep (this one, or the node's own every 250 ms) can find it.
    const owner = nodes.find((node) => (node.camera?.openFeeds() ?? []).includes(seeded.cameraId));
    await owner?.camera?.eventMedia?.sweep();
    expect((await settledMedia(fire, 2)).map((row) => row.state)).toEqual(['stored', 'stored']);
    expect(await mediaOf(battery)).toEqual([]);
    await resolveAll();
  }, 60_000);
});

describe('event media faults never touch the alert', () => {
  test('no keyframe, a crashing ffmpeg and unwritable storage each mark the capture failed; health says degraded', async () => {
    for (const node of nodes.splice(0)) await node.stop();
    await seeded.database.sql`update cameras set enabled = false`;
    const crashing = join(folder, 'crashing-ffmpeg');
    await writeFile(crashing, '#!/bin/sh\necho "simulated crash" >&2\nexit 3\n');
    await chmod(crashing, 0o755);
    const silentPort = await freePort();
    const silent = await addCamera('no keyframe', { type: 'rtp', port: silentPort }, { live: false, media: true });
    const crashPort = await freePort();
    const fed = await addCamera('fed', { type: 'rtp', port: crashPort }, { live: false, media: true });

    // One node whose ffmpeg crashes: the fed camera's snapshot fails with ffmpeg's exit, the other one's for want
    // of a keyframe (it sends P-frames only, so its feed is live).
    const crashNode = await startNode('media-crash', { FFMPEG_PATH: crashing });
    feedRtp(crashPort);
    const pFrames = createSocket('udp4');
    let sequence = 0;
    const sendPFrame = setInterval(() => {
      const packet = Buffer.alloc(112);
      packet[0] = 0x80;
      packet[1] = 0x80 | 96;
      packet.writeUInt16BE(sequence & 0xffff, 2);
      packet.writeUInt32BE((sequence++ * 3600) >>> 0, 4);
      packet.writeUInt32BE(0x1234, 8);
      packet[12] = 0x41; // NAL type 1: a slice of a non-IDR picture
      pFrames.send(packet, silentPort, '127.0.0.1');
    }, 20);
    cleanupTimers.push(() => {
      clearInterval(sendPFrame);
      pFrames.close();
    });
    await feedLive(crashNode, fed);
    await feedLive(crashNode, silent);
    await keyframeCached(crashNode, fed);
    let alertId = await raise('fall', 'high');
    const [alert] = await seeded.database.sql`select status from alerts where id = ${alertId}`;
    expect(alert?.status).toBe('open');
    const crashed = (await settledMedia(alertId, 4)).filter((row) => row.kind === 'snapshot');
    expect(Object.fromEntries(crashed.map((row) => [row.cameraId, [row.state, row.error]]))).toEqual({
      [silent]: ['failed', 'no keyframe from the camera yet'],
      [fed]: ['failed', 'ffmpeg exited 3'],
    });
    await crashNode.stop();
    nodes.splice(nodes.indexOf(crashNode), 1);
    await resolveAll();

    // Storage that cannot be written: the capture fails, the node stays up and says so.
    const blocker = join(folder, 'not-a-folder');
    await writeFile(blocker, 'a file where the media folder should be');
    const stuck = await startNode('media-stuck', { MEDIA_DIR: join(blocker, 'media') });
    await feedLive(stuck, fed);
    await keyframeCached(stuck, fed);
    alertId = await raise('gas', 'critical');
    const failed = (await settledMedia(alertId, 4)).find((row) => row.cameraId === fed && row.kind === 'snapshot');
    expect(failed?.state).toBe('failed');
    // The store's own words (paths) are logged, not shown to staff.
    expect(failed?.error).toBe('storage refused the write');
    await expect
      .poll(async () => {
        const health = await fetch(`${stuck.url}/healthz`);
        return [health.status, await health.json()];
      })
      .toEqual([
        200,
        expect.objectContaining({ status: 'degraded', media: expect.objectContaining({ status: 'degraded' }) }),
      ]);
    await resolveAll();

    // A camera gone silent: its cached GOP and ring show another time than the alert's, so nothing is captured.
    for (const child of feeders.splice(0)) child.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    alertId = await raise('sos', 'critical');
    const silentNow = (await settledMedia(alertId, 4)).filter((row) => row.cameraId === fed);
    expect(silentNow.map((row) => [row.kind, row.state, row.error])).toEqual([
      ['clip', 'failed', 'camera not live'],
      ['snapshot', 'failed', 'camera not live'],
    ]);
    await resolveAll();
  }, 90_000);

  test('a discharged resident’s open alert captures nothing more: the claim wants an active resident', async () => {
    const node = nodes[0];
    if (!node) throw new Error('no node');
    const alertId = await raise('sos', 'critical');
    await expect.poll(async () => (await mediaOf(alertId)).length, { timeout: 10_000 }).toBeGreaterThan(0);
    await node.camera?.eventMedia?.settled();
    // What discharge does: the resident's media rows go (their bytes queued for purge), the resident is discharged.
    await seeded.database.sql.begin(async (tx) => {
      await tx`delete from alert_media where resident_id = ${seeded.residentId}`;
      await tx`update residents set status = 'discharged' where id = ${seeded.residentId}`;
    });
    // The alert is still open and changes again (an escalation, a sweep): no new capture.
    await raise('sos', 'critical');
    await node.camera?.eventMedia?.sweep();
    await node.camera?.eventMedia?.settled();
    expect(await mediaOf(alertId)).toEqual([]);
    const purged = await seeded.database.sql`select 1 from media_purge_queue`;
    expect(purged.length).toBeGreaterThan(0);
    await seeded.database.sql`update residents set status = 'active' where id = ${seeded.residentId}`;
    await resolveAll();
  }, 60_000);
});
