import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { parseEnv } from '../core/env';
import type { ScheduledJob } from '../core/jobs/job';
import { createLogger } from '../core/logger';
import type { Sql } from '../db/client';
import { FunctionsEnv } from '../functions/env';
import { functionsJobs } from '../functions/jobs';
import type { CameraService } from '../realtime/camera';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { RealtimeEnv } from '../realtime/env';
import { realtimeJobs } from '../realtime/jobs';
import { Metrics } from '../realtime/metrics';

const env = { DATABASE_URL: 'postgres://carewatch@127.0.0.1/carewatch', JWT_SECRET: 'x'.repeat(32) };

/** Every job each runtime declares (lists built with default configuration; nothing is started). */
function declaredJobs(): { runtime: string; entry: ScheduledJob }[] {
  const functions = functionsJobs(parseEnv(FunctionsEnv, env));
  const realtime = realtimeJobs({
    sql: {} as Sql,
    logger: createLogger('readme-test', 'error'),
    config: parseEnv(RealtimeEnv, env),
    nodeId: 'readme-test',
    registry: new ConnectionRegistry(),
    metrics: new Metrics(),
    dispatcher: { sweep: () => {} },
    // A camera service with a media store: its event-media jobs are declared too.
    camera: {
      service: { accessRecheck: {}, eventMedia: { sweep: async () => 0 }, mediaStore: {} } as unknown as CameraService,
      recheckMs: 5000,
    },
  });
  return [
    ...functions.map((entry) => ({ runtime: 'functions', entry })),
    ...realtime.map((entry) => ({ runtime: 'realtime', entry })),
  ];
}

/** The README's "Time-driven work" table: job name → its row's cells. */
async function readmeTable(): Promise<Map<string, string[]>> {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split('## Time-driven work')[1]?.split('\n## ')[0] ?? '';
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`([a-z-]+)`$/.exec(cells[1] ?? '')?.[1];
    if (line.startsWith('|') && name) rows.set(name, cells.slice(1, -1));
  }
  return rows;
}

describe('the README lists every job', () => {
  test('each declared job has a row with its exclusivity and runtime, and the table lists nothing else', async () => {
    const rows = await readmeTable();
    const declared = declaredJobs();
    for (const { runtime, entry } of declared) {
      const row = rows.get(entry.job.name);
      expect(row, `README "Time-driven work" has no row for ${entry.job.name}`).toBeDefined();
      expect(row?.[3]).toBe(`\`${entry.job.exclusivity}\``);
      expect(row?.[4]).toContain(runtime);
    }
    expect([...rows.keys()].sort()).toEqual([...new Set(declared.map(({ entry }) => entry.job.name))].sort());
  });
});
