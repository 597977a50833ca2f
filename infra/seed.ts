// `npm run db:seed`: create the demo care centre in $DATABASE_URL (idempotent) and print its logins and hub keys.
import { createDatabase } from '../db/client';
import { seedDemoOrganisation } from './demo-organisation';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required');
  process.exit(1);
}
const { db, close } = createDatabase(url, { max: 1, applicationName: 'carewatch-seed' });
try {
  console.log(JSON.stringify(await seedDemoOrganisation(db), null, 2));
} finally {
  await close();
}
