// The whole product from a care worker's chair: Chromium → nginx (HTTPS) → functions / realtime node → PostgreSQL.
// Needs the API (login, residents, cameras), ingest, realtime (/ws) and camera branches; `npm run test:e2e` runs it
// alone and prints the measured SOS POST → DOM time.
import { and, asc, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  alertDeliveries,
  alertDeliveryHistory,
  alerts,
  assignments,
  cameras,
  escalationPolicies,
} from '../../db/schema';
import { DEMO_PASSWORD, type SeededOrganisation, seedDemoOrganisation } from '../demo-organisation';
import { launchChromium, screenshot } from '../testing/browser';
import { type EntryPointStack, startEntryPointStack } from '../testing/stack';
import { request } from '../testing/tls-client';

/** Short escalation waits so "escalation stops on ack" is observable within the test (data, not code). */
const STEP_WAIT_SECONDS = 4;

describe('e2e: a caregiver in Chromium, through nginx over HTTPS, on the whole system', () => {
  let stack: EntryPointStack;
  let browser: Browser;
  let page: Page;
  let seed: SeededOrganisation;
  let carer: SeededOrganisation['logins'][number];
  /** Residents whose first caregiver is `carer`; the first of them has the demo camera. */
  let residents: SeededOrganisation['residents'];

  const db = () => stack.functions.database.db;

  /** POSTs one event from the resident's hub through nginx, as the hub would. */
  async function postEvent(residentId: string, kind: 'emergency_button' | 'activity') {
    const hub = seed.hubs.find((candidate) => candidate.residentId === residentId);
    const deviceId = hub?.devices[kind];
    if (!hub || !deviceId) throw new Error(`no hub with a ${kind} device for ${residentId}`);
    return request(`${stack.nginx.httpsUrl}/v1/ingest/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        events: [
          {
            eventId: crypto.randomUUID(),
            deviceId,
            kind,
            time: new Date().toISOString(),
            ...(kind === 'activity' ? { value: 1 } : {}),
          },
        ],
      }),
      caFile: stack.nginx.certificateFile,
    });
  }

  async function sendSos(residentId: string): Promise<{ alertId: string; postedAt: number; answeredAt: number }> {
    const postedAt = Date.now();
    const response = await postEvent(residentId, 'emergency_button');
    const answeredAt = Date.now();
    expect(response.status).toBe(200);
    const body = JSON.parse(response.body) as { alerts: { alertId: string; kind: string; created: boolean }[] };
    const alert = body.alerts.find((candidate) => candidate.kind === 'sos');
    if (!alert) throw new Error(`ingest opened no sos alert: ${response.body}`);
    return { alertId: alert.alertId, postedAt, answeredAt };
  }

  /** Resolves with the page's wall-clock time when an alert element for `alertId` is in the DOM. */
  function whenAlertInDom(alertId: string): Promise<number> {
    return page.evaluate(
      (id) =>
        new Promise<number>((resolve) => {
          const found = () => document.querySelector(`#alert-list [data-alert-id="${id}"]`);
          if (found()) return resolve(Date.now());
          const observer = new MutationObserver(() => {
            if (!found()) return;
            observer.disconnect();
            resolve(Date.now());
          });
          observer.observe(document.getElementById('alert-list') ?? document.body, { childList: true, subtree: true });
        }),
      alertId,
    );
  }

  beforeAll(async () => {
    stack = await startEntryPointStack();
    seed = await seedDemoOrganisation(db(), { orgName: 'E2E Centre', slug: 'e2e', residents: 4 });
    const caregivers = seed.logins.filter((login) => login.role === 'caregiver');
    const first = caregivers.find((login) => login.email.startsWith('carer1@'));
    if (!first) throw new Error('seed has no carer1');
    carer = first;
    // carer1's own residents (first in their escalation order), the one with the demo camera first.
    const primary = await db()
      .select({ residentId: assignments.residentId })
      .from(assignments)
      .where(and(eq(assignments.staffId, carer.staffId), eq(assignments.escalationOrder, 1)));
    const [camera] = await db().select().from(cameras).where(eq(cameras.id, seed.cameraId));
    residents = seed.residents
      .filter((resident) => primary.some((row) => row.residentId === resident.id))
      .sort((a, b) => Number(b.id === camera?.residentId) - Number(a.id === camera?.residentId));
    expect(residents[0]?.id).toBe(camera?.residentId);
    await db()
      .update(escalationPolicies)
      .set({
        steps: [
          { notify: 'assigned', order: 1, waitSeconds: STEP_WAIT_SECONDS },
          { notify: 'assigned', waitSeconds: STEP_WAIT_SECONDS },
          { notify: 'managers', waitSeconds: STEP_WAIT_SECONDS },
        ],
      })
      .where(and(eq(escalationPolicies.orgId, seed.orgId), eq(escalationPolicies.severity, 'critical')));
    // Trusting nginx's certificate as a real one is trusted: the console's service worker registers as in production.
    browser = await launchChromium({ trustCertificate: stack.nginx.certificateFile });
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('logs in as a caregiver and the live connection comes up', async () => {
    await page.goto(`${stack.nginx.httpsUrl}/`);
    await page.fill('#email', carer.email);
    await page.fill('#password', DEMO_PASSWORD);
    await page.click('#login-submit');
    await page.locator('#dashboard-view').waitFor({ state: 'visible' });
    await page.locator('#connection[data-state="live"]').waitFor();
    await page.locator('#resident-list .resident').first().waitFor();
    await screenshot(page, 'e2e-1-signed-in');
  });

  let first: { alertId: string; postedAt: number; answeredAt: number };
  let firstAckAt: Date;

  test('an SOS from an assigned resident appears in the page (POST → DOM measured) and is confirmed received', async () => {
    const [resident] = residents;
    if (!resident) throw new Error('no resident for carer1');
    // Warm the path (first request of the process, hub key lookup) so the figure is the steady-state one.
    expect((await postEvent(resident.id, 'activity')).status).toBe(200);
    // The observer waits for any alert of this resident's SOS: the id comes back with the POST.
    const inDom = page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const list = document.getElementById('alert-list');
          if (!list) return;
          const observer = new MutationObserver(() => {
            if (!list.querySelector('.alert')) return;
            observer.disconnect();
            resolve(Date.now());
          });
          observer.observe(list, { childList: true });
        }),
    );
    inDom.catch(() => {}); // awaited below; keeps a failed POST from leaving an unhandled rejection behind
    first = await sendSos(resident.id);
    const shownAt = await inDom;
    console.log(
      `POST→DOM ${shownAt - first.postedAt} ms (SOS through nginx → ingest → realtime → WebSocket → DOM; ` +
        `the POST itself answered after ${first.answeredAt - first.postedAt} ms)`,
    );
    const element = page.locator(`#alert-list [data-alert-id="${first.alertId}"]`);
    expect(await element.getAttribute('class')).toContain('severity-critical');
    expect(await element.locator('.alert-meta').textContent()).toContain(resident.name);
    const deliveryId = await element.getAttribute('data-delivery-id');
    await expect
      .poll(async () => {
        const [row] = await db()
          .select()
          .from(alertDeliveries)
          .where(eq(alertDeliveries.id, deliveryId ?? ''));
        return row?.state;
      })
      .toBe('delivered');
    await screenshot(page, 'e2e-2-sos-shown');
  });

  test('Acknowledge is recorded in the database with who and when', async () => {
    const element = page.locator(`#alert-list [data-alert-id="${first.alertId}"]`);
    const deliveryId = (await element.getAttribute('data-delivery-id')) ?? '';
    await element.locator('button.ack').click();
    await expect
      .poll(async () => {
        const [row] = await db().select().from(alerts).where(eq(alerts.id, first.alertId));
        return { status: row?.status, by: row?.acknowledgedBy };
      })
      .toEqual({ status: 'acknowledged', by: carer.staffId });
    const [alert] = await db().select().from(alerts).where(eq(alerts.id, first.alertId));
    firstAckAt = alert?.acknowledgedAt ?? new Date();
    const history = await db()
      .select()
      .from(alertDeliveryHistory)
      .where(eq(alertDeliveryHistory.deliveryId, deliveryId))
      .orderBy(asc(alertDeliveryHistory.at));
    expect(history.map((row) => row.toState)).toEqual(expect.arrayContaining(['sent', 'delivered', 'acknowledged']));
    // The page shows it once the server's alert.updated arrives (it never marks an ack optimistically).
    await expect.poll(() => element.getAttribute('data-status')).toBe('acknowledged');
    await screenshot(page, 'e2e-3-acknowledged');
  });

  test('the camera of the resident with the open alert plays: frames decoded in the video element', async () => {
    await page.locator(`#alert-list [data-alert-id="${first.alertId}"] button.open-camera`).click();
    await page.locator('#camera').waitFor({ state: 'visible' });
    await expect
      .poll(
        () =>
          page.evaluate(() => {
            const video = document.getElementById('camera-video') as HTMLVideoElement;
            return { decoding: video.getVideoPlaybackQuality().totalVideoFrames > 0, width: video.videoWidth };
          }),
        { timeout: 20_000 },
      )
      .toEqual({ decoding: true, width: 640 });
    expect(await page.locator('#camera-state').getAttribute('data-state')).toBe('live');
    await screenshot(page, 'e2e-4-camera');
    await page.click('#camera-stop');
  });

  test('the realtime node restarts: the page reconnects, resumes, and shows the SOS sent while it was down, once', async () => {
    const second = residents[1];
    if (!second) throw new Error('carer1 needs two residents');
    const seqBefore = await page.evaluate(() =>
      Number(Object.entries(sessionStorage).find(([key]) => key.startsWith('carewatch.lastSeq.'))?.[1] ?? Number.NaN),
    );
    expect(seqBefore).toBeGreaterThan(0);

    await stack.stopRealtime();
    await page.locator('#connection[data-state="reconnecting"]').waitFor();
    await screenshot(page, 'e2e-5-reconnecting');
    const missed = await sendSos(second.id);
    const shown = whenAlertInDom(missed.alertId);
    shown.catch(() => {}); // awaited below
    await stack.startRealtime();
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: 30_000 });
    await shown;
    // It reached this caregiver as the first step of its escalation, not later through escalation.
    const missedDelivery = await page
      .locator(`#alert-list [data-alert-id="${missed.alertId}"]`)
      .getAttribute('data-delivery-id');
    const [delivery] = await db()
      .select()
      .from(alertDeliveries)
      .where(eq(alertDeliveries.id, missedDelivery ?? ''));
    expect(delivery).toMatchObject({ staffId: carer.staffId, escalationLevel: 0 });

    const ids = await page.$$eval('#alert-list .alert', (elements) =>
      elements.map((element) => (element as HTMLElement).dataset.alertId),
    );
    expect(ids.sort()).toEqual([first.alertId, missed.alertId].sort());
    const seqAfter = await page.evaluate(() =>
      Number(Object.entries(sessionStorage).find(([key]) => key.startsWith('carewatch.lastSeq.'))?.[1]),
    );
    expect(seqAfter).toBeGreaterThan(seqBefore);
    await screenshot(page, 'e2e-6-resumed');

    // Control for "escalation stops": the unacknowledged SOS escalates to the next caregiver on schedule...
    await expect
      .poll(
        async () => {
          const [row] = await db().select().from(alerts).where(eq(alerts.id, missed.alertId));
          return row?.escalationLevel ?? 0;
        },
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);
    // ...while the acknowledged one, older than it, never did: no delivery after the ack, still at level 0.
    const [acknowledged] = await db().select().from(alerts).where(eq(alerts.id, first.alertId));
    expect(acknowledged?.escalationLevel).toBe(0);
    const laterDeliveries = (
      await db().select().from(alertDeliveries).where(eq(alertDeliveries.alertId, first.alertId))
    ).filter((delivery) => delivery.pendingAt > firstAckAt);
    expect(laterDeliveries).toEqual([]);
  });
});
