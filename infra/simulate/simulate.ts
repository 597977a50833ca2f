// `npm run simulate -- --hubs 50 --rate 200 [--scenario fall|fire|inactivity|sos]`: seeded hubs send realistic
// batches to a running functions server, with retries and a progress line; the last stdout line is a JSON summary.
//   --url http://127.0.0.1:8787   the functions server
//   --seed                        create/reuse the organisation "CareWatch Simulator" with --hubs hubs in $DATABASE_URL
//   --keys FILE                   or read hubs from FILE: `npm run db:seed` output or [{apiKey, devices}, …]
//   --duration 30                 seconds (0 = until Ctrl-C); --interval 1000 ms between a hub's batches
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createDatabase } from '../../db/client';
import { seedDemoOrganisation } from '../demo-organisation';
import { type Scenario, type SimulatedHub, scenarios } from './events';
import { runSimulation } from './simulator';

const { values: flags } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.FUNCTIONS_URL ?? 'http://127.0.0.1:8787' },
    hubs: { type: 'string', default: '10' },
    rate: { type: 'string', default: '100' },
    scenario: { type: 'string' },
    'scenario-after': { type: 'string', default: '3' },
    seed: { type: 'boolean', default: false },
    keys: { type: 'string' },
    duration: { type: 'string', default: '30' },
    interval: { type: 'string', default: '1000' },
  },
  strict: true,
});

async function loadHubs(count: number): Promise<SimulatedHub[]> {
  if (flags.keys) {
    const parsed = JSON.parse(readFileSync(flags.keys, 'utf8')) as SimulatedHub[] | { hubs: SimulatedHub[] };
    return (Array.isArray(parsed) ? parsed : parsed.hubs).slice(0, count);
  }
  if (!flags.seed) throw new Error('give --seed (with DATABASE_URL) or --keys FILE so the simulator has hub keys');
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('--seed needs DATABASE_URL');
  const { sql, db } = createDatabase(url, { max: 2, applicationName: 'carewatch-simulate' });
  try {
    const org = await seedDemoOrganisation(db, { orgName: 'CareWatch Simulator', slug: 'sim', residents: count });
    return org.hubs;
  } finally {
    await sql.end();
  }
}

async function main() {
  const scenario = flags.scenario as Scenario | undefined;
  if (scenario && !scenarios.includes(scenario)) throw new Error(`--scenario must be one of ${scenarios.join(', ')}`);
  const hubs = await loadHubs(Number(flags.hubs));
  if (hubs.length === 0) throw new Error('no hubs to simulate');
  if (hubs.length < Number(flags.hubs)) console.error(`only ${hubs.length} hubs available; simulating those`);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  console.error(
    `simulating ${hubs.length} hubs at ${flags.rate} events/s against ${flags.url}` +
      (scenario ? `; scenario "${scenario}" in the first home after ${flags['scenario-after']} s` : ''),
  );
  const summary = await runSimulation({
    url: flags.url,
    hubs,
    rate: Number(flags.rate),
    durationSeconds: Number(flags.duration),
    batchIntervalMs: Number(flags.interval),
    scenario,
    scenarioAfterSeconds: Number(flags['scenario-after']),
    signal: abort.signal,
    progress: (line) => console.error(line),
  });
  console.log(JSON.stringify(summary));
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
