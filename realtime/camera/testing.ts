// Test helpers for the camera service: a database with a demo organisation, a service on loopback, identities for each role, and a
// node-datachannel viewer that answers the server's offer through the real CameraSignalling calls.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nodeDataChannel, { type Track } from 'node-datachannel';
import { chromium } from 'playwright-core';
import type { StaffIdentity } from '../../core/auth/access-token';
import { hashPassword } from '../../core/auth/password';
import { parseEnv } from '../../core/env';
import { startJobs } from '../../core/jobs/run-jobs';
import { createLogger } from '../../core/logger';
import { createTestDatabase, type TestDatabase } from '../../db/testing/database';
import { seedDemoOrganisation } from '../../infra/demo-organisation';
import { RealtimeEnv } from '../env';
import { cameraJobs } from '../jobs';
import { startRealtimeNode } from '../node';
import type { ServerFrame } from '../protocol';
import { CameraService } from './camera-service';
import { CameraEnv } from './env';
import { H264Depacketizer } from './rtp';
import { registerWhepRoutes } from './whep-routes';

export interface CameraHarness {
  database: TestDatabase;
  service: CameraService;
  cameraId: string;
  residentId: string;
  identities: { admin: StaffIdentity; manager: StaffIdentity; carer: StaffIdentity; unassignedCarer: StaffIdentity };
  close(): Promise<void>;
}

const identityOf = (staffId: string, orgId: string, role: StaffIdentity['role']): StaffIdentity => ({
  staffId,
  orgId,
  role,
  expiresAt: Math.floor(Date.now() / 1000) + 3600,
});

/** A test database with the demo organisation, its consented test-pattern camera and identities for each role. */
export type CameraDatabase = Omit<CameraHarness, 'service' | 'close'> & { orgId: string };

export async function seedCameraDatabase(): Promise<CameraDatabase> {
  const database = await createTestDatabase({
    skipAlertAudit: 'camera tests open alerts by hand (rows without deliveries) to grant camera access',
  });
  const seed = await seedDemoOrganisation(database.db, { orgName: 'Camera Test Centre', slug: 'cam' });
  const [camera] = await database.sql<{ residentId: string }[]>`
    select resident_id as "residentId" from cameras where id = ${seed.cameraId}`;
  if (!camera) throw new Error('seed has no camera');
  const [outsider] = await database.sql<{ id: string }[]>`
    insert into staff (org_id, name, email, role, password_hash)
    values (${seed.orgId}, 'Unassigned carer', 'carer3@cam.carewatch.test', 'caregiver', ${await hashPassword('x')})
    returning id`;
  const login = (role: string) => {
    const found = seed.logins.find((person) => person.role === role);
    if (!found) throw new Error(`seed has no ${role}`);
    return found.staffId;
  };
  return {
    database,
    orgId: seed.orgId,
    cameraId: seed.cameraId,
    residentId: camera.residentId,
    identities: {
      admin: identityOf(login('admin'), seed.orgId, 'admin'),
      manager: identityOf(login('manager'), seed.orgId, 'manager'),
      carer: identityOf(login('caregiver'), seed.orgId, 'caregiver'),
      unassignedCarer: identityOf(outsider?.id ?? '', seed.orgId, 'caregiver'),
    },
  };
}

/** The camera environment of a test node or service: loopback only. */
export const testCameraEnv = {
  CAMERA_ICE_BIND_ADDRESS: '127.0.0.1',
  CAMERA_RTP_HOST: '127.0.0.1',
  CAMERA_TEST_PATTERN_LINGER_MS: '60000',
};

export async function startCameraHarness(env: Record<string, string> = {}): Promise<CameraHarness> {
  const { orgId: _orgId, ...seeded } = await seedCameraDatabase();
  const { database } = seeded;
  const config = parseEnv(CameraEnv, { ...testCameraEnv, ...env });
  const logger = createLogger('camera-test', 'warn');
  const service = new CameraService(database.sql, config, logger);
  // The camera's jobs as the realtime node runs them (access recheck, feed reconcile).
  const jobs = startJobs(database.sql, cameraJobs(service, config.CAMERA_ACCESS_RECHECK_MS), logger);
  return {
    ...seeded,
    service,
    close: async () => {
      await jobs.stop();
      await service.shutdown();
      await database.drop();
    },
  };
}

export interface NodeViewer {
  frames: ServerFrame[];
  sessionId: string | null;
  rtpPackets: number;
  depacketizer: H264Depacketizer;
  /** Resolves with the first frame of this type (or rejects after `timeoutMs`). */
  waitFor<T extends ServerFrame['type']>(type: T, timeoutMs?: number): Promise<Extract<ServerFrame, { type: T }>>;
  waitForPackets(count: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

/**
 * A node-datachannel viewer that watches through `CameraSignalling` exactly as the WebSocket client would.
 * `answerDelayMs` holds its answer back (a slow client) while it keeps gathering and trickling.
 */
export async function watchWithNodeViewer(
  service: CameraService,
  identity: StaffIdentity,
  cameraId: string,
  connectionId: string,
  { answerDelayMs = 0 }: { answerDelayMs?: number } = {},
): Promise<NodeViewer> {
  const pc = new nodeDataChannel.PeerConnection(`viewer-${connectionId}`, { iceServers: [], bindAddress: '127.0.0.1' });
  const depacketizer = new H264Depacketizer();
  const listeners = new Set<() => void>();
  // The received track must stay referenced: node-datachannel closes a track when its JS wrapper is garbage
  // collected, and a track only handed to the onTrack callback is garbage right after it. A GC mid-test then
  // silently stopped this viewer while the server kept sending (the intermittent "timed out waiting for 60
  // RTP packets" with hundreds forwarded).
  let track: Track | null = null;
  const notify = () => {
    for (const listener of listeners) listener();
  };
  const viewer: NodeViewer = {
    frames: [],
    sessionId: null,
    rtpPackets: 0,
    depacketizer,
    waitFor: (type, timeoutMs = 10_000) =>
      until(() => viewer.frames.find((frame) => frame.type === type), listeners, timeoutMs, `${type} frame`) as never,
    waitForPackets: async (count, timeoutMs = 15_000) => {
      await until(() => viewer.rtpPackets >= count || undefined, listeners, timeoutMs, `${count} RTP packets`);
    },
    close: () => {
      track?.close();
      pc.close();
    },
  };
  pc.onTrack((received) => {
    track = received;
    received.onMessage((message) => {
      const packetType = message[1] ?? 0;
      if (packetType >= 200 && packetType <= 206) return; // RTCP
      viewer.rtpPackets++;
      depacketizer.push(message);
      notify();
    });
  });
  // Candidates go after the answer, as a browser's do (a server receiving one first holds it until the answer).
  let answerSent = () => {};
  const answered = new Promise<void>((resolve) => {
    answerSent = resolve;
  });
  pc.onLocalDescription((sdp, type) => {
    const { sessionId } = viewer;
    if (type !== 'answer' || !sessionId) return;
    setTimeout(() => void service.signalling.answer(connectionId, sessionId, sdp).then(answerSent), answerDelayMs);
  });
  pc.onLocalCandidate((candidate, mid) => {
    void answered.then(() => {
      if (viewer.sessionId) service.signalling.candidate(connectionId, viewer.sessionId, candidate, mid);
    });
  });
  await service.signalling.watch(identity, connectionId, cameraId, (frame) => {
    viewer.frames.push(frame);
    if (frame.type === 'camera.offer') {
      viewer.sessionId = frame.sessionId;
      pc.setRemoteDescription(frame.sdp, 'offer');
    } else if (frame.type === 'camera.candidate') {
      pc.addRemoteCandidate(frame.candidate, frame.mid ?? 'video');
    }
    notify();
  });
  return viewer;
}

export interface WhepNodeViewer {
  sessionId: string;
  readonly rtpPackets: number;
  /** The viewer's own peer state (`connected`, then `closed`/`failed`/`disconnected` when the server ends it). */
  state(): string;
  close(): void;
}

/** A node-datachannel WHEP client: offers a receive-only H264 track to `whepStart` and counts RTP packets. */
export async function whepWithNodeViewer(
  service: CameraService,
  identity: StaffIdentity,
  cameraId: string,
): Promise<WhepNodeViewer> {
  const pc = new nodeDataChannel.PeerConnection('whep-viewer', { iceServers: [], bindAddress: '127.0.0.1' });
  const video = new nodeDataChannel.Video('0', 'RecvOnly');
  video.addH264Codec(96);
  // Kept referenced for the same reason as in watchWithNodeViewer: a collected Track wrapper closes the track.
  const track = pc.addTrack(video);
  let rtpPackets = 0;
  track.onMessage((message) => {
    const packetType = message[1] ?? 0;
    if (packetType < 200 || packetType > 206) rtpPackets++;
  });
  const gathered = new Promise<void>((resolve) => {
    pc.onGatheringStateChange((state) => {
      if (state === 'complete') resolve();
    });
  });
  pc.setLocalDescription();
  await gathered;
  const { sessionId, sdp } = await service.whep.start(identity, cameraId, pc.localDescription()?.sdp ?? '');
  pc.setRemoteDescription(sdp, 'answer');
  return {
    sessionId,
    get rtpPackets() {
      return rtpPackets;
    },
    state: () => pc.state(),
    close: () => {
      track.close();
      pc.close();
    },
  };
}

export interface HttpWhepViewer {
  /** The POST's status (201 when it is watching) and, on 201, its Location. */
  status: number;
  location: string | null;
  readonly rtpPackets: number;
  /** Resolves once `count` RTP packets arrived (rejects after `timeoutMs`). */
  waitForPackets(count: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

/**
 * A node-datachannel WHEP player over real HTTP: POSTs a receive-only H264 offer to `${baseUrl}/whep/:cameraId` with
 * `token` and counts the RTP packets that arrive. Not 201: closed at once, `status` says why. A player whose own
 * libdatachannel agent lost its ICE transport before the answer (seen now and then under load, as in bench:camera)
 * DELETEs the session it was given and tries again, up to 3 times.
 */
export async function whepOverHttp(baseUrl: string, token: string, cameraId: string): Promise<HttpWhepViewer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryWhepOverHttp(baseUrl, token, cameraId);
    } catch (error) {
      if (attempt === 3 || !(error instanceof LostIceTransport)) throw error;
      if (error.location) {
        await fetch(`${baseUrl}${error.location}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
      }
    }
  }
}

class LostIceTransport extends Error {
  constructor(
    message: string,
    readonly location: string | null,
  ) {
    super(message);
  }
}

async function tryWhepOverHttp(baseUrl: string, token: string, cameraId: string): Promise<HttpWhepViewer> {
  const pc = new nodeDataChannel.PeerConnection('whep-http-viewer', { iceServers: [], bindAddress: '127.0.0.1' });
  const video = new nodeDataChannel.Video('0', 'RecvOnly');
  video.addH264Codec(96);
  // Kept referenced: a collected Track wrapper closes the track (see watchWithNodeViewer).
  const track = pc.addTrack(video);
  let rtpPackets = 0;
  const listeners = new Set<() => void>();
  track.onMessage((message) => {
    const packetType = message[1] ?? 0;
    if (packetType >= 200 && packetType <= 206) return;
    rtpPackets++;
    for (const listener of listeners) listener();
  });
  const gathered = new Promise<void>((resolve) => {
    pc.onGatheringStateChange((state) => {
      if (state === 'complete') resolve();
    });
  });
  pc.setLocalDescription();
  await gathered;
  const close = () => {
    track.close();
    pc.close();
  };
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/whep/${cameraId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/sdp' },
      body: pc.localDescription()?.sdp ?? '',
    });
  } catch (error) {
    close();
    throw error;
  }
  const body = await response.text();
  const location = response.headers.get('location');
  if (response.status === 201) {
    try {
      pc.setRemoteDescription(body, 'answer');
    } catch (error) {
      close();
      const message = (error as Error).message;
      if (/without ICE transport/.test(message)) throw new LostIceTransport(message, location);
      throw error;
    }
  } else close();
  return {
    status: response.status,
    location,
    get rtpPackets() {
      return rtpPackets;
    },
    waitForPackets: async (count, timeoutMs = 15_000) => {
      // On a timeout, what the player saw says whether ICE/DTLS never came up or the media stopped.
      const seen = () => `got ${rtpPackets}, peer ${pc.state()}, ICE ${pc.iceState()}`;
      await until(() => rtpPackets >= count || undefined, listeners, timeoutMs, `${count} RTP packets`, seen);
    },
    close,
  };
}

/** A receive-only H264 offer as a WHEP player would POST it, from a peer that is closed again (nobody connects). */
export async function recvOnlyH264Offer(): Promise<string> {
  const pc = new nodeDataChannel.PeerConnection('whep-offer', { iceServers: [], bindAddress: '127.0.0.1' });
  const video = new nodeDataChannel.Video('0', 'RecvOnly');
  video.addH264Codec(96);
  const track = pc.addTrack(video);
  try {
    const gathered = new Promise<void>((resolve) => {
      pc.onGatheringStateChange((state) => {
        if (state === 'complete') resolve();
      });
    });
    pc.setLocalDescription();
    await gathered;
    return pc.localDescription()?.sdp ?? '';
  } finally {
    track.close();
    pc.close();
  }
}

function until<T>(
  probe: () => T | undefined,
  listeners: Set<() => void>,
  timeoutMs: number,
  what: string,
  seen?: () => string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const value = probe();
      if (value === undefined) return;
      cleanup();
      resolve(value);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${what}${seen ? ` (${seen()})` : ''}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      listeners.delete(check);
    };
    listeners.add(check);
    check();
  });
}

/** Decodes an Annex B H264 stream with ffprobe: the frames it could decode and their size. */
export async function probeH264(annexB: Buffer): Promise<{ frames: number; width: number; height: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'camera-probe-'));
  try {
    const file = join(dir, 'stream.h264');
    await writeFile(file, annexB);
    const { stdout } = await promisify(execFile)('ffprobe', [
      ...['-v', 'error', '-f', 'h264', '-count_frames', '-select_streams', 'v:0'],
      ...['-show_entries', 'stream=width,height,nb_read_frames', '-of', 'json', file],
    ]);
    const stream = (JSON.parse(stdout) as { streams: { width?: number; height?: number; nb_read_frames?: string }[] })
      .streams[0];
    return { frames: Number(stream?.nb_read_frames ?? 0), width: stream?.width ?? 0, height: stream?.height ?? 0 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The real realtime node (dashboard `/ws`, WHEP, viewer page) on a random loopback port, brokering camera frames
 * with the harness's camera service — the same wiring `attachCameraService` gives production.
 */
export async function startCameraNode(
  harness: CameraHarness,
  jwtSecret: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const logger = createLogger('camera-test', 'warn');
  const node = await startRealtimeNode(
    parseEnv(RealtimeEnv, {
      DATABASE_URL: harness.database.url,
      JWT_SECRET: jwtSecret,
      REALTIME_PORT: '0',
      LOG_LEVEL: 'warn',
    }),
    '127.0.0.1',
    {
      camera: harness.service.signalling,
      routes: (app) => registerWhepRoutes(app, harness.service.whep, { jwtSecret, logger }),
    },
  );
  return { url: node.url, close: () => node.stop() };
}

/** Headless Debian Chromium with the flags that keep it off the network and away from real devices. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-fake-ui-for-media-stream',
    ],
  });
}

/**
 * ffmpeg arguments that stream its moving test pattern as H264 RTP to `port` on loopback, as a camera pushing to the
 * node would: constrained baseline, a keyframe every `gopSeconds` with its parameter sets, real-time pace; `seconds`
 * bounds the run (omitted: until killed).
 */
export function testPatternRtpArgs(
  port: number,
  options: { width: number; height: number; fps: number; gopSeconds: number; seconds?: number },
): string[] {
  const { width, height, fps, gopSeconds, seconds } = options;
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`],
    ...(seconds === undefined ? [] : ['-t', String(seconds)]),
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline'],
    ...['-pix_fmt', 'yuv420p', '-g', String(Math.round(fps * gopSeconds)), '-sc_threshold', '0'],
    ...['-bsf:v', 'dump_extra=freq=keyframe', '-f', 'rtp', '-payload_type', '96'],
    `rtp://127.0.0.1:${port}?pkt_size=1200`,
  ];
}
