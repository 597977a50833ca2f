import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { TEST_JWT_SECRET } from '../infra/testing/functions';
import { buildWorker } from '../infra/worker/build';

/** Cloudflare's limit on a Worker's compressed upload on the Free plan (the Paid plan allows 10 MiB). */
const WORKERS_FREE_LIMIT_BYTES = 3 * 1024 * 1024;

/**
 * The edge build reaching PostgreSQL through a Hyperdrive binding (miniflare's local Hyperdrive, which proxies to the
 * real database the way `wrangler dev` does with a local connection string) and no DATABASE_URL at all.
 */
describe('the worker on Hyperdrive (miniflare), and its size', () => {
  let mf: Miniflare;
  let database: TestDatabase;
  let outDir: string;
  let scriptPath: string;
  let own: SeededOrganisation;

  const call = async (path: string, init: { method?: string; body?: unknown; token?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await mf.dispatchFetch(`http://carewatch.test${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    // Inside the project: workerd resolves module paths relative to the working directory and refuses `..`.
    await mkdir('.wrangler', { recursive: true });
    outDir = await mkdtemp(join('.wrangler', 'test-hyperdrive-'));
    scriptPath = join(outDir, 'worker.js');
    [database] = await Promise.all([createTestDatabase(), buildWorker(scriptPath)]);
    const run = crypto.randomUUID().slice(0, 8);
    own = await seedDemoOrganisation(database.db, { orgName: 'Pooled', slug: `pooled-${run}`, residents: 2 });
    mf = new Miniflare({
      modules: true,
      scriptPath,
      compatibilityDate: '2026-04-01',
      compatibilityFlags: ['nodejs_compat'],
      hyperdrives: { HYPERDRIVE: database.url },
      bindings: { JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'error' },
    });
    await mf.ready;
  }, 120_000);

  afterAll(async () => {
    await mf?.dispose();
    await database?.drop();
    await rm(outDir, { recursive: true, force: true });
  });

  test('with only the Hyperdrive binding, health, login and a scoped list work', async () => {
    const health = await call('/healthz');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', database: { ok: true } } });
    const admin = own.logins.find((login) => login.role === 'admin');
    const login = await call('/v1/auth/login', {
      method: 'POST',
      body: { email: admin?.email, password: admin?.password },
    });
    expect(login.status).toBe(200);
    const token = String(login.body.accessToken);
    const residents = await call('/v1/residents', { token });
    expect(residents.status).toBe(200);
    expect((residents.body.items as { id: string }[]).map((item) => item.id).sort()).toEqual(
      own.residents.map((resident) => resident.id).sort(),
    );
  });

  test('the bundle stays under the Workers size limit (gzip)', async () => {
    const bundle = await readFile(scriptPath);
    const gzipped = gzipSync(bundle).byteLength;
    console.info(
      `worker bundle: ${(bundle.byteLength / 1024).toFixed(0)} KiB, gzip ${(gzipped / 1024).toFixed(0)} KiB`,
    );
    expect(gzipped).toBeLessThan(WORKERS_FREE_LIMIT_BYTES);
  });
});
