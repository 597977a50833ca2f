import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiHarness, startApiHarness } from '../../../infra/testing/api-harness';

interface Session {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  refreshToken: string;
  staff: { id: string; orgId: string; name: string; role: string; email: string };
}

describe('auth: login, refresh rotation, logout, me (Node server, real PostgreSQL)', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(() => h.stop());

  const login = (email: string, password: string, extra: Record<string, unknown> = {}) =>
    h.request<Session>('POST', '/v1/auth/login', { body: { email, password, ...extra } });

  test('login returns the shared session shape and the token reads /v1/me', async () => {
    const account = h.loginOf('own', 'manager');
    const response = await login(account.email.toUpperCase(), account.password);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      staff: { id: account.staffId, orgId: h.orgs.own.orgId, role: 'manager', email: account.email },
    });
    expect(response.body.refreshToken).toMatch(/^cwr_/);
    const [header] = response.body.accessToken.split('.');
    expect(JSON.parse(atob(header ?? ''))).toMatchObject({ alg: 'HS256' });
    const me = await h.request('GET', '/v1/me', { token: response.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: account.staffId, role: 'manager', organisationName: 'North Care Centre' });
  });

  test('a wrong password and an unknown email fail with the same message', async () => {
    const account = h.loginOf('own', 'caregiver2');
    const wrongPassword = await login(account.email, 'not-the-password');
    const unknownEmail = await login('nobody@north.carewatch.test', account.password);
    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.body).toMatchObject({ code: 'UNAUTHORIZED', detail: 'Invalid email or password' });
    }
  });

  test('refresh rotates the token; replaying a spent token revokes the whole family', async () => {
    const account = h.loginOf('own', 'admin');
    const first = await login(account.email, account.password);
    const second = await h.request<Session>('POST', '/v1/auth/refresh', {
      body: { refreshToken: first.body.refreshToken },
    });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
    expect(second.body.staff.id).toBe(account.staffId);

    const replay = await h.request('POST', '/v1/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
    expect(replay.status).toBe(401);
    // The legitimate successor was revoked with its family.
    const successor = await h.request('POST', '/v1/auth/refresh', { body: { refreshToken: second.body.refreshToken } });
    expect(successor.status).toBe(401);
    const rows = await h.database.sql`
      select count(*)::int as live from refresh_tokens
       where family_id = (select family_id from refresh_tokens where staff_id = ${account.staffId}
                          order by created_at desc limit 1) and revoked_at is null`;
    expect(rows[0]?.live).toBe(0);
  });

  test('logout revokes the refresh token family', async () => {
    const account = h.loginOf('own', 'caregiver');
    const session = await login(account.email, account.password);
    const out = await h.request('POST', '/v1/auth/logout', {
      token: session.body.accessToken,
      body: { refreshToken: session.body.refreshToken },
    });
    expect(out.status).toBe(204);
    const refresh = await h.request('POST', '/v1/auth/refresh', { body: { refreshToken: session.body.refreshToken } });
    expect(refresh.status).toBe(401);
  });

  test('an email present in two organisations needs orgId, and orgId selects the account', async () => {
    const admin = await h.tokenFor('other', 'admin');
    const shared = 'shared.person@carewatch.test';
    const password = 'a long enough password';
    const created = await h.request('POST', '/v1/staff', {
      token: admin,
      body: { name: 'Shared', email: shared, role: 'caregiver', password },
    });
    expect(created.status).toBe(201);
    const ownAdmin = await h.tokenFor('own', 'admin');
    await h.request('POST', '/v1/staff', {
      token: ownAdmin,
      body: { name: 'Shared', email: shared, role: 'manager', password },
    });
    // Only a password that proves the account earns the "say which organisation" answer.
    expect((await login(shared, 'not the shared password')).status).toBe(401);
    const ambiguous = await login(shared, password);
    expect(ambiguous.status).toBe(422);
    expect(ambiguous.body).toMatchObject({ errors: [{ field: 'body.orgId' }] });
    const chosen = await login(shared, password, { orgId: h.orgs.other.orgId });
    expect(chosen.status).toBe(200);
    expect(chosen.body.staff).toMatchObject({ orgId: h.orgs.other.orgId, role: 'caregiver' });
  });

  test('failed logins are rate-limited per account with retry-after; other accounts are unaffected', async () => {
    const account = h.loginOf('other', 'caregiver2');
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) statuses.push((await login(account.email, 'wrong-password')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const blocked = await login(account.email, account.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.body).toMatchObject({ code: 'RATE_LIMITED' });
    const other = h.loginOf('other', 'manager');
    expect((await login(other.email, other.password)).status).toBe(200);
  });

  test('the per-account budget is per email: naming the organisation (or changing case) gives no second one', async () => {
    const account = h.loginOf('own', 'caregiver');
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const email = attempt % 2 ? account.email.toUpperCase() : account.email;
      const extra = attempt % 2 ? {} : { orgId: h.orgs.own.orgId };
      statuses.push((await login(email, 'wrong-password', extra)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect((await login(account.email, account.password, { orgId: h.orgs.own.orgId })).status).toBe(429);
    expect((await login(account.email, account.password)).status).toBe(429);
  });

  test('deactivated staff cannot log in or refresh', async () => {
    const admin = await h.tokenFor('other', 'admin');
    const account = h.loginOf('other', 'manager');
    const session = await login(account.email, account.password);
    const off = await h.request('DELETE', `/v1/staff/${account.staffId}`, { token: admin });
    expect(off.status).toBe(200);
    expect((await login(account.email, account.password)).status).toBe(401);
    const refresh = await h.request('POST', '/v1/auth/refresh', { body: { refreshToken: session.body.refreshToken } });
    expect(refresh.status).toBe(401);
    // The access token already issued is refused too (the staff-still-active rule): at once in the process that
    // deactivated the account (functions/routes/staff/deactivation.test.ts covers other processes).
    const token = session.body.accessToken;
    expect((await h.request('GET', '/v1/residents', { token })).status).toBe(401);
    expect((await h.request('GET', '/v1/me', { token })).status).toBe(401);
  });

  // Last: it blocks this server's loopback address for the rest of the window.
  test('failed logins are also limited per client address, across accounts', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 60 && !statuses.includes(429); attempt++) {
      statuses.push((await login(`nobody-${attempt}@north.carewatch.test`, 'wrong-password')).status);
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
    const account = h.loginOf('own', 'admin');
    const blocked = await login(account.email, account.password);
    expect(blocked.status).toBe(429);
  });
});
