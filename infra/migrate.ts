// `npm run db:migrate`: apply migrations to $DATABASE_URL (used by docker compose's one-shot job too).
import { createDatabase, postgresMigrationTarget } from '../db/client';
import { migrate } from '../db/migrate';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required');
  process.exit(1);
}
const { sql, close } = createDatabase(url, { max: 1, applicationName: 'carewatch-migrate' });
try {
  const result = await migrate(postgresMigrationTarget(sql));
  console.log(
    `${result.applied.length ? `applied ${result.applied.join(', ')}` : 'up to date'}; time series on ${result.timescale ? 'TimescaleDB' : 'plain PostgreSQL'}`,
  );
} finally {
  await close();
}
