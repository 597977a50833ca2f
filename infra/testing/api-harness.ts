import type { StaffRole } from '../../core/auth/access-token';
import type { TestDatabaseOptions } from '../../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../demo-organisation';
import { startTestFunctions } from './functions';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Sends one real HTTP request and reads the body as JSON when it is JSON. */
export async function request<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const parsed = type.includes('json') && text ? (JSON.parse(text) as T) : (text as T);
  return { status: response.status, headers: response.headers, body: parsed };
}

export type OrgKey = 'own' | 'other';

/**
 * A real API server on its own database with two seeded organisations ("own" = north, "other" = south), and
 * typed request helpers that log in once per role.
 */
export async function startApiHarness(
  overrides: Record<string, string> = {},
  databaseOptions: TestDatabaseOptions = {},
) {
  const started = await startTestFunctions(overrides, databaseOptions);
  const { db } = started.database;
  const orgs: Record<OrgKey, SeededOrganisation> = {
    own: await seedDemoOrganisation(db, { orgName: 'North Care Centre', slug: 'north', residents: 3 }),
    other: await seedDemoOrganisation(db, { orgName: 'South Care Centre', slug: 'south', residents: 2 }),
  };
  const baseUrl = started.server.url;
  const tokens = new Map<string, string>();

  const loginOf = (org: OrgKey, role: StaffRole | 'caregiver2') => {
    const logins = orgs[org].logins;
    const login =
      role === 'caregiver2'
        ? logins.filter((entry) => entry.role === 'caregiver')[1]
        : logins.find((entry) => entry.role === role);
    if (!login) throw new Error(`no ${role} in ${org}`);
    return login;
  };

  return {
    ...started,
    baseUrl,
    orgs,
    loginOf,
    request: <T = unknown>(method: string, path: string, options?: RequestOptions) =>
      request<T>(baseUrl, method, path, options),
    /** Access token of the demo account with this role (the first caregiver for "caregiver"). */
    async tokenFor(org: OrgKey, role: StaffRole | 'caregiver2'): Promise<string> {
      const key = `${org}:${role}`;
      const cached = tokens.get(key);
      if (cached) return cached;
      const login = loginOf(org, role);
      const response = await request<{ accessToken: string }>(baseUrl, 'POST', '/v1/auth/login', {
        body: { email: login.email, password: login.password },
      });
      if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
      tokens.set(key, response.body.accessToken);
      return response.body.accessToken;
    },
  };
}

export type ApiHarness = Awaited<ReturnType<typeof startApiHarness>>;
