import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issueAccessToken, type StaffIdentity } from '../../core/auth/access-token';
import { TEST_JWT_SECRET } from '../../infra/testing/functions';
import { type CameraHarness, launchChromium, startCameraHarness, startCameraNode } from './testing';
import type {} from './viewer-page';

const tokenFor = async (identity: StaffIdentity) => (await issueAccessToken(identity, TEST_JWT_SECRET)).token;

describe('WHEP', () => {
  let harness: CameraHarness;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  beforeAll(async () => {
    harness = await startCameraHarness();
    server = await startCameraNode(harness, TEST_JWT_SECRET);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await harness?.close();
  });

  const openViewer = async (): Promise<Page> => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/camera/viewer`);
    return page;
  };

  test('headless Chromium watches the test pattern through WHEP: frames decoded at 640×480', async () => {
    const page = await openViewer();
    const token = await tokenFor(harness.identities.manager);
    const result = await page.evaluate(({ cameraId, token }) => window.camera.watchWhep({ cameraId, token }), {
      cameraId: harness.cameraId,
      token,
    });
    expect(result.status).toBe(201);
    expect(result.location).toMatch(new RegExp(`^/whep/${harness.cameraId}/[0-9a-f-]{36}$`));
    // A candidate trickled to the running session (as the page does with its late ones) is taken: 204.
    const trickled = await fetch(`${server.url}${result.location}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/trickle-ice-sdpfrag', authorization: `Bearer ${token}` },
      body: 'm=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:9 1 udp 1 127.0.0.1 9 typ host\r\n',
    });
    expect(trickled.status).toBe(204);
    const stats = () => page.evaluate(() => window.camera.stats());
    await expect.poll(async () => (await stats()).framesDecoded, { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await stats()).videoWidth, { timeout: 5000 }).toBe(640);
    expect((await stats()).videoHeight).toBe(480);
    expect(harness.service.stats().sessions).toBe(1);

    await page.evaluate(() => window.camera.stop());
    await expect.poll(() => harness.service.stats().sessions).toBe(0);
    await harness.service.flushAudit();
    const rows = await harness.database.sql<{ action: string; transport: string }[]>`
      select action, details->>'transport' as transport from audit_log
       where actor_id = ${harness.identities.manager.staffId} and action like 'camera.view.%' order by id`;
    expect(rows).toEqual([
      { action: 'camera.view.start', transport: 'whep' },
      { action: 'camera.view.stop', transport: 'whep' },
    ]);
    await page.close();
  });

  test("the same page watches over the realtime node's dashboard WebSocket (server offers, trickle candidates)", async () => {
    const page = await openViewer();
    const token = await tokenFor(harness.identities.admin);
    const result = await page.evaluate((options) => window.camera.watchWebSocket(options), {
      url: `${server.url.replace('http', 'ws')}/ws`,
      cameraId: harness.cameraId,
      token,
    });
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const stats = () => page.evaluate(() => window.camera.stats());
    await expect.poll(async () => (await stats()).framesDecoded, { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await stats()).videoWidth, { timeout: 5000 }).toBe(640);
    expect((await stats()).states).toContain('camera live');
    await page.close(); // the socket closes with the page: the connection's peer must be freed
    await expect.poll(() => harness.service.stats().sessions).toBe(0);
  });

  test('an unassigned caregiver is refused (404, like any resident they cannot read) and nothing streams', async () => {
    const page = await openViewer();
    const token = await tokenFor(harness.identities.unassignedCarer);
    const result = await page.evaluate(({ cameraId, token }) => window.camera.watchWhep({ cameraId, token }), {
      cameraId: harness.cameraId,
      token,
    });
    expect(result.status).toBe(404);
    expect(result.problem).toMatchObject({ code: 'CAMERA_NOT_FOUND', status: 404 });
    expect(harness.service.stats().sessions).toBe(0);
    await page.close();
  });

  test('bad requests get problem+json: no token, wrong type, unusable offer, unknown session, PATCH, PUT', async () => {
    const token = await tokenFor(harness.identities.admin);
    const post = (headers: Record<string, string>, body: string, cameraId = harness.cameraId) =>
      fetch(`${server.url}/whep/${cameraId}`, { method: 'POST', headers, body });
    const noToken = await post({ 'content-type': 'application/sdp' }, 'v=0');
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('content-type')).toBe('application/problem+json');
    expect((await post({ 'content-type': 'text/plain', authorization: `Bearer ${token}` }, 'v=0')).status).toBe(415);
    const audioOnly =
      'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n';
    const whepRows = async () => {
      await harness.service.flushAudit();
      const [row] = await harness.database.sql<{ count: number }[]>`
        select count(*)::int as count from audit_log
         where action like 'camera.view.%' and details->>'transport' = 'whep'`;
      return row?.count;
    };
    const rowsBefore = await whepRows();
    const unusable = await post({ 'content-type': 'application/sdp', authorization: `Bearer ${token}` }, audioOnly);
    expect(unusable.status).toBe(400);
    expect(await unusable.json()).toMatchObject({ code: 'CAMERA_BAD_SDP' });
    // An offer that could never be answered was no view: no start (nor stop) row.
    expect(await whepRows()).toBe(rowsBefore);
    const unknown = await post(
      { 'content-type': 'application/sdp', authorization: `Bearer ${token}` },
      'v=0',
      '00000000-0000-4000-8000-000000000000',
    );
    expect(unknown.status).toBe(404);
    const deleteUnknown = await fetch(`${server.url}/whep/${harness.cameraId}/nope`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(deleteUnknown.status).toBe(404);
    // Trickle ICE: PATCH with an sdpfrag (401 without a token, 415 for another type, 404 for another's session).
    const fragment = 'm=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n';
    const patch = (headers: Record<string, string>) =>
      fetch(`${server.url}/whep/${harness.cameraId}/nope`, { method: 'PATCH', headers, body: fragment });
    const sdpfrag = { 'content-type': 'application/trickle-ice-sdpfrag' };
    expect((await patch(sdpfrag)).status).toBe(401);
    expect((await patch({ 'content-type': 'text/plain', authorization: `Bearer ${token}` })).status).toBe(415);
    expect((await patch({ ...sdpfrag, authorization: `Bearer ${token}` })).status).toBe(404);
    const put = await fetch(`${server.url}/whep/${harness.cameraId}/nope`, { method: 'PUT', body: '' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('PATCH, DELETE');
    expect(harness.service.stats().sessions).toBe(0);
  });
});
