import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiHarness, request, startApiHarness } from '../../../infra/testing/api-harness';
import { testConfig } from '../../../infra/testing/functions';
import { type RunningFunctions, startFunctions } from '../../node';

const TTL_MS = 1_000;

/** The "staff still active" rule on HTTP: a deactivated account's access token stops working before it expires. */
describe('a deactivated staff member loses API access', () => {
  let h: ApiHarness;
  /** A second API process on the same database: it learns of the deactivation only through its memo's TTL. */
  let elsewhere: RunningFunctions;

  beforeAll(async () => {
    h = await startApiHarness({ STAFF_ACTIVE_TTL_MS: String(TTL_MS) });
    elsewhere = await startFunctions(testConfig(h.database.url, { STAFF_ACTIVE_TTL_MS: String(TTL_MS) }));
  });
  afterAll(async () => {
    await elsewhere?.close();
    await h?.stop();
  });

  test.each([
    ['PATCH active: false', 'caregiver', 'PATCH'],
    ['DELETE', 'caregiver2', 'DELETE'],
  ] as const)(
    '%s: 401 at the next request in this process, within the TTL in another',
    async (_label, role, method) => {
      const token = await h.tokenFor('own', role);
      const target = h.loginOf('own', role);
      const admin = await h.tokenFor('own', 'admin');
      expect((await h.request('GET', '/v1/me', { token })).status).toBe(200);
      expect((await request(elsewhere.url, 'GET', '/v1/me', { token })).status).toBe(200);

      const deactivation = await h.request(method, `/v1/staff/${target.staffId}`, {
        token: admin,
        ...(method === 'PATCH' ? { body: { active: false } } : {}),
      });
      expect(deactivation.status).toBe(200);
      const deactivatedAt = Date.now();

      const here = await h.request<{ code: string; detail: string }>('GET', '/v1/me', { token });
      expect(here.status).toBe(401);
      expect(here.body.detail).toBe('The staff member of this access token is no longer active');
      expect(here.headers.get('www-authenticate')).toContain('error="invalid_token"');

      await expect
        .poll(async () => (await request(elsewhere.url, 'GET', '/v1/me', { token })).status, { interval: 50 })
        .toBe(401);
      // The TTL, plus slack for a loaded machine's requests (without the rule: the token's 15 minutes).
      expect(Date.now() - deactivatedAt).toBeLessThan(TTL_MS + 1_000);
    },
  );

  test('a reactivated account works again at once in the process that reactivated it', async () => {
    const token = await h.tokenFor('own', 'manager');
    const target = h.loginOf('own', 'manager');
    const admin = await h.tokenFor('own', 'admin');
    await h.request('PATCH', `/v1/staff/${target.staffId}`, { token: admin, body: { active: false } });
    expect((await h.request('GET', '/v1/me', { token })).status).toBe(401);
    await h.request('PATCH', `/v1/staff/${target.staffId}`, { token: admin, body: { active: true } });
    expect((await h.request('GET', '/v1/me', { token })).status).toBe(200);
  });

  test('a colleague of the deactivated account keeps access', async () => {
    expect((await h.request('GET', '/v1/me', { token: await h.tokenFor('own', 'admin') })).status).toBe(200);
  });
});
