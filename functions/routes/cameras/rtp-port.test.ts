import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiHarness, type OrgKey, startApiHarness } from '../../../infra/testing/api-harness';

describe('RTP ports are the realtime node’s: one camera per port and SSRC (Node server, real PostgreSQL)', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(() => h.stop());

  const create = async (org: OrgKey, source: Record<string, unknown>) =>
    h.request<{ id: string; code?: string; detail?: string }>('POST', '/v1/cameras', {
      token: await h.tokenFor(org, 'admin'),
      body: { residentId: h.orgs[org].residents[0]?.id, name: 'RTP camera', source },
    });

  test('a second camera on a port without distinct SSRCs is refused with 409, whichever organisation', async () => {
    expect((await create('own', { type: 'rtp', port: 40_100 })).status).toBe(201);
    const again = await create('own', { type: 'rtp', port: 40_100 });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
    expect(again.body).toMatchObject({ code: 'CONFLICT', detail: expect.stringContaining('40100') });
    expect((await create('other', { type: 'rtp', port: 40_100, ssrc: 7 })).status).toBe(409);
  });

  test('cameras sharing a port each with their own SSRC are fine; the same SSRC twice is not', async () => {
    expect((await create('own', { type: 'rtp', port: 40_200, ssrc: 1 })).status).toBe(201);
    expect((await create('other', { type: 'rtp', port: 40_200, ssrc: 2 })).status).toBe(201);
    expect((await create('own', { type: 'rtp', port: 40_200, ssrc: 2 })).status).toBe(409);
    expect((await create('own', { type: 'rtp', port: 40_200 })).status).toBe(409);
  });

  test('a camera keeps its own port on update, and cannot move onto a taken one', async () => {
    const token = await h.tokenFor('own', 'admin');
    const camera = await create('own', { type: 'rtp', port: 40_300, allowFrom: ['192.0.2.7'] });
    expect(camera.status).toBe(201);
    const same = await h.request('PATCH', `/v1/cameras/${camera.body.id}`, {
      token,
      body: { source: { type: 'rtp', port: 40_300, payloadType: 97 } },
    });
    expect(same.status).toBe(200);
    const moved = await h.request('PATCH', `/v1/cameras/${camera.body.id}`, {
      token,
      body: { source: { type: 'rtp', port: 40_100 } },
    });
    expect(moved.status).toBe(409);
  });

  test('allowFrom takes IPv4 addresses only', async () => {
    const bad = await create('own', { type: 'rtp', port: 40_400, allowFrom: ['camera.local'] });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
