import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { type RealtimeNode, startRealtimeNode } from './node';
import {
  holdEscalation,
  injectSosAlert,
  stopInjectionServers,
  TestDashboard,
  testRealtimeConfig,
  tokenFor,
} from './testing';

let database: TestDatabase;
let node: RealtimeNode;
let org: SeededOrganisation;
const open: TestDashboard[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Ack Retry Centre', slug: 'ackretry', residents: 6 });
  // PostgreSQL itself fails the next N acknowledgements with "deadlock detected" (40P01), as a real deadlock
  // victim would: a trigger on the alert's acknowledging UPDATE, counted by a sequence (sequences are not rolled
  // back with the failed transaction).
  await database.sql.unsafe(`
    create sequence ack_faults;
    create table ack_fault_budget (remaining int not null);
    insert into ack_fault_budget values (0);
    create function fail_ack_as_deadlock() returns trigger language plpgsql as $$
    begin
      if nextval('ack_faults') <= (select remaining from ack_fault_budget) then
        raise exception 'deadlock detected (injected by the test)' using errcode = '40P01';
      end if;
      return new;
    end $$;
    create trigger fail_ack_as_deadlock before update of status on alerts
      for each row when (new.status = 'acknowledged' and old.status = 'open') execute function fail_ack_as_deadlock();`);
  node = await startRealtimeNode(testRealtimeConfig(database.url));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await node?.stop();
  await stopInjectionServers();
  await database.drop();
});

/** The next `failures` acknowledgements fail with a deadlock error. */
async function failNextAcks(failures: number): Promise<void> {
  await database.sql`select setval('ack_faults', 1, false)`;
  await database.sql`update ack_fault_budget set remaining = ${failures}`;
}

async function carerWithAlert(residentIndex: number) {
  const resident = org.residents[residentIndex];
  if (!resident) throw new Error('no resident');
  const [assigned] = await database.sql<{ staffId: string }[]>`
    select staff_id as "staffId" from assignments where resident_id = ${resident.id} and escalation_order = 1`;
  const login = org.logins.find((entry) => entry.staffId === assigned?.staffId);
  if (!login) throw new Error('no primary carer');
  const dashboard = await TestDashboard.connect(
    node.wsUrl,
    await tokenFor({ staffId: login.staffId, orgId: org.orgId, role: login.role }),
  );
  open.push(dashboard);
  await dashboard.next('welcome');
  const { alertId } = await injectSosAlert({ databaseUrl: database.url, org, residentId: resident.id });
  const alert = await dashboard.next('alert', (frame) => frame.alert.id === alertId);
  return { dashboard, alertId, deliveryId: alert.deliveryId, staffId: login.staffId };
}

const alertRow = async (alertId: string) =>
  (
    await database.sql<{ status: string; acknowledgedBy: string | null }[]>`
      select status, acknowledged_by as "acknowledgedBy" from alerts where id = ${alertId}`
  )[0];

describe('an acknowledgement that PostgreSQL rolls back as a deadlock victim', () => {
  test('is retried once by the node: the alert is acknowledged and the client sees no error', async () => {
    await holdEscalation(database.sql, org.orgId, 60);
    const { dashboard, alertId, deliveryId, staffId } = await carerWithAlert(0);
    await failNextAcks(1);
    dashboard.send({ type: 'ack', deliveryId });
    const updated = await dashboard.next('alert.updated', (frame) => frame.alertId === alertId);
    expect(updated.change).toBe('acknowledged');
    expect(await alertRow(alertId)).toEqual({ status: 'acknowledged', acknowledgedBy: staffId });
    expect(dashboard.of('error')).toEqual([]);
  });

  test('failing twice answers error 1007 (retryable, naming the delivery); sending the ack again acknowledges', async () => {
    await holdEscalation(database.sql, org.orgId, 60);
    const { dashboard, alertId, deliveryId, staffId } = await carerWithAlert(1);
    await failNextAcks(2);
    dashboard.send({ type: 'ack', deliveryId });
    const error = await dashboard.next('error');
    expect(error).toMatchObject({ code: 1007, retryable: true, ref: deliveryId });
    expect(await alertRow(alertId)).toEqual({ status: 'open', acknowledgedBy: null });

    dashboard.send({ type: 'ack', deliveryId });
    const updated = await dashboard.next('alert.updated', (frame) => frame.alertId === alertId);
    expect(updated.change).toBe('acknowledged');
    expect(await alertRow(alertId)).toEqual({ status: 'acknowledged', acknowledgedBy: staffId });
  });
});
