import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { AlertSeverity } from '../../db/schema/alerts';
import type { RunningFunctions } from '../../functions/node';
import { startFunctions } from '../../functions/node';
import type { SeededOrganisation } from '../demo-organisation';
import { testConfig } from './functions';

/** What the ingest endpoint answers about the SOS alert the button press opened (or joined, when already open). */
export interface InjectedAlert {
  alertId: string;
  /** False when the press attached to the resident's SOS alert that was already open. */
  created: boolean;
  severity: AlertSeverity;
}

/** Where to press the button: the database under test and the resident, whose hub (and key) the org lists. */
export interface SosTarget {
  databaseUrl: string;
  org: Pick<SeededOrganisation, 'hubs'>;
  residentId: string;
  /** A functions server already running against that database (the bench's own process); else one is started here. */
  functionsUrl?: string;
}

/**
 * One functions server per database, started on the first injection and kept for the rest of the test file (or
 * bench run): starting one per alert would dominate the tests. `stopInjectionServers()` ends them; call it before
 * the database is dropped.
 */
const servers = new Map<string, Promise<RunningFunctions>>();

function ingestServerFor(databaseUrl: string): Promise<RunningFunctions> {
  let server = servers.get(databaseUrl);
  if (!server) {
    server = startFunctions(
      testConfig(databaseUrl, {
        LOG_LEVEL: 'error',
        // Tests and the bench press many buttons per second; the per-hub limit is ingest's own concern.
        INGEST_HUB_RATE_PER_SECOND: '100000',
        INGEST_HUB_BURST: '100000',
        // Only the alerts a test injects: no "no activity" or "hub offline" alerts from the silence rules.
        SILENCE_CHECK_INTERVAL_MS: '0',
      }),
    );
    servers.set(databaseUrl, server);
    server.catch(() => servers.delete(databaseUrl));
  }
  return server;
}

/** Closes every functions server `injectSosAlert` started in this process. */
export async function stopInjectionServers(): Promise<void> {
  const running = [...servers.values()];
  servers.clear();
  await Promise.all(running.map(async (server) => (await server).close()));
}

/**
 * THE way tests and the bench open an alert: the resident's hub reports an emergency button press through
 * `POST /v1/ingest/events` with its API key, the same request a real hub sends.
 */
export async function injectSosAlert(target: SosTarget): Promise<InjectedAlert> {
  const hub = target.org.hubs.find((entry) => entry.residentId === target.residentId);
  const button = hub?.devices.emergency_button;
  if (!hub || !button) throw new Error(`resident ${target.residentId} has no hub with an emergency button`);
  const baseUrl = target.functionsUrl ?? (await ingestServerFor(target.databaseUrl)).url;
  const response = await postJson(`${baseUrl}/v1/ingest/events`, hub.apiKey, {
    events: [{ eventId: randomUUID(), deviceId: button, kind: 'emergency_button', time: new Date().toISOString() }],
  });
  const text = response.text;
  const body = response.ok ? (JSON.parse(text) as { alerts?: (InjectedAlert & { kind: string })[] }) : undefined;
  const alert = body?.alerts?.find((entry) => entry.kind === 'sos');
  if (!alert) throw new Error(`ingest opened no SOS alert: ${response.status} ${text}`);
  return { alertId: alert.alertId, created: alert.created, severity: alert.severity };
}

// Keep-alive, like a hub that keeps its connection: the bench presses 100 buttons a second through this.
const MAX_SOCKETS = 64;
const agent = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });

/**
 * One JSON POST with a bearer key over node:http (lighter than fetch for a load generator on the same cores). A
 * kept-alive socket the server closed just as this request went out is reset: it is sent again, as a hub would (the
 * batch is idempotent by event id). After a stall of this process several pooled sockets may have timed out at once,
 * so it tries until a fresh socket answers (the pool holds at most maxSockets of them).
 */
async function postJson(
  url: string,
  bearer: string,
  body: unknown,
): Promise<{ ok: boolean; status: number; text: string }> {
  const payload = JSON.stringify(body);
  for (let attempt = 1; ; attempt++) {
    try {
      return await postOnce(url, bearer, payload);
    } catch (error) {
      if (!(error instanceof ReusedSocketReset) || attempt > MAX_SOCKETS) throw error;
    }
  }
}

class ReusedSocketReset extends Error {}

function postOnce(
  url: string,
  bearer: string,
  payload: string,
): Promise<{ ok: boolean; status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${bearer}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const status = incoming.statusCode ?? 0;
          resolve({ ok: status >= 200 && status < 300, status, text: Buffer.concat(chunks).toString('utf8') });
        });
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      const reset = outgoing.reusedSocket && error.code === 'ECONNRESET';
      reject(reset ? new ReusedSocketReset(error.message) : error);
    });
    outgoing.end(payload);
  });
}
