import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../core/logger';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { TEST_JWT_SECRET } from '../infra/testing/functions';
import { closeCodes } from './errors';
import { LogLimiter } from './log-limiter';
import { TestDashboard, tokenFor } from './testing';

describe('LogLimiter', () => {
  test('per message: the first lines in full, then one summary per interval with how many were left out', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('test', 'debug', (line) => lines.push(JSON.parse(line)));
    let now = 0;
    const limiter = new LogLimiter(logger, { connectionId: 'c1' }, { burst: 2, intervalMs: 1000 }, () => now);
    for (let index = 0; index < 50; index++) limiter.warn('bad frame', { index });
    limiter.error('frame handling failed');
    expect(lines.map((line) => [line.message, line.index])).toEqual([
      ['bad frame', 0],
      ['bad frame', 1],
      ['frame handling failed', undefined],
    ]);
    now = 1000;
    limiter.warn('bad frame', { index: 50 });
    expect(lines.slice(3)).toEqual([
      expect.objectContaining({ level: 'warn', message: 'bad frame (repeated)', connectionId: 'c1', omitted: 48 }),
      expect.objectContaining({ message: 'bad frame', index: 50, connectionId: 'c1' }),
    ]);
    limiter.warn('bad frame');
    limiter.warn('bad frame');
    limiter.flush();
    expect(lines.at(-1)).toMatchObject({ message: 'bad frame (repeated)', omitted: 1 });
    expect(lines).toHaveLength(7);
  });
});

// The node as its own process, so what it writes to stderr is what an operator's log would hold.
describe('a dashboard flooding the node with bad frames', () => {
  let database: TestDatabase;
  let org: SeededOrganisation;
  let child: ChildProcess;
  let wsUrl: string;
  const stderr: Record<string, unknown>[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    org = await seedDemoOrganisation(database.db, { orgName: 'Log Centre', slug: 'logs', residents: 1 });
    child = spawn(process.execPath, ['--import', 'tsx', 'realtime/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        JWT_SECRET: TEST_JWT_SECRET,
        REALTIME_PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.startsWith('{')) stderr.push(JSON.parse(line));
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`node exited with ${code}`)));
      lines.on('line', (line) => {
        const entry = JSON.parse(line) as { message?: string; url?: string };
        if (entry.message === 'realtime listening' && entry.url) resolve(entry.url);
      });
    });
    wsUrl = `${url.replace('http://', 'ws://')}/ws`;
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await database?.drop();
  });

  test('200 receipts for unknown deliveries in one burst write a few lines and a summary, not 200', async () => {
    const carer = org.logins.find((entry) => entry.role === 'caregiver');
    if (!carer) throw new Error('seed has no caregiver');
    const dashboard = await TestDashboard.connect(
      wsUrl,
      await tokenFor({ staffId: carer.staffId, orgId: org.orgId, role: 'caregiver' }),
    );
    await dashboard.next('welcome');
    for (let index = 0; index < 200; index++) dashboard.send({ type: 'received', deliveryId: crypto.randomUUID() });
    expect(await dashboard.closed).toBe(closeCodes.abuse);
    await expect
      .poll(() => stderr.some((line) => line.message === 'bad frame (repeated)'), { timeout: 10_000 })
      .toBe(true);
    const badFrameLines = stderr.filter((line) => String(line.message).startsWith('bad frame'));
    expect(badFrameLines.length).toBeLessThanOrEqual(4);
    expect(badFrameLines.at(-1)).toMatchObject({ level: 'warn', message: 'bad frame (repeated)' });
  });
});
