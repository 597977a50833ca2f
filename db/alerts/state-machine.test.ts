import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SeededOrganisation, seedDemoOrganisation } from '../../infra/demo-organisation';
import { type StaffRole, staffRoles } from '../actor';
import type { AlertStatus, DeliveryState } from '../schema/alerts';
import { createTestDatabase, type TestDatabase } from '../testing/database';
import { acknowledgeDelivery } from './acknowledge';
import { clearAlert } from './clear-alert';
import { dedupKey } from './dedup-key';
import { createDeliveries } from './deliveries';
import { type DueAlert, escalateAlert } from './escalate';
import { policyFor } from './ladder';
import { claimDeliveries, failExhaustedDeliveries, markDeliveredMany } from './outstanding';
import { raiseAlert } from './raise-alert';
import { resolveAlert } from './resolve';
import { resolveBySystem } from './resolve-by-system';
import { retriggerAlert } from './retrigger';
import {
  type AlertEvent,
  alertEvents,
  alertStatuses,
  alertTransition,
  alertTransitions,
  type DeliveryEvent,
  deliveryStates,
  deliveryTransitions,
  ForbiddenTransition,
} from './state-machine';

const NODE = 'state-machine-test';

/** An alert set up in a given status (or none: `id` undefined, its dedup key free). */
interface Subject {
  id: string | undefined;
  key: string;
  residentId: string;
  /** One of its deliveries and the staff member it is for. */
  deliveryId: string;
  staffId: string;
}

describe('the alert state machine: what the table allows happens, everything else is refused', () => {
  let t: TestDatabase;
  let org: SeededOrganisation;
  const login = (role: StaffRole) => {
    const found = org.logins.find((person) => person.role === role);
    if (!found) throw new Error(`no ${role} in the demo organisation`);
    return found;
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await seedDemoOrganisation(t.db, { orgName: 'State Machine Home', slug: 'state-machine' });
  });
  afterAll(() => t.drop());

  const residentId = () => org.residents[0]?.id ?? '';
  const input = (key: string, severity: 'high' | 'low') => ({
    orgId: org.orgId,
    residentId: residentId(),
    kind: 'fall' as const,
    severity,
    dedupKey: key,
    title: 'Fall detected',
  });

  /** A fresh alert in `status`, brought there by the real transitions; `null`: no alert holds its key. */
  async function subject(status: AlertStatus | null): Promise<Subject> {
    const key = dedupKey(residentId(), 'fall', randomUUID());
    if (status === null) return { id: undefined, key, residentId: residentId(), deliveryId: randomUUID(), staffId: '' };
    const raised = await t.sql.begin((tx) => raiseAlert(tx, input(key, 'high')));
    const [delivery] = raised.deliveries;
    if (!delivery) throw new Error('a raised alert is always told to someone');
    const told = {
      id: raised.alertId,
      key,
      residentId: residentId(),
      deliveryId: delivery.id,
      staffId: delivery.staffId,
    };
    if (status === 'acknowledged' || status === 'resolved') {
      const acked = await acknowledgeDelivery(t.sql, {
        ...told,
        deliveryId: delivery.id,
        orgId: org.orgId,
        nodeId: NODE,
      });
      expect(acked.outcome).toBe('acknowledged');
    }
    if (status === 'resolved') {
      const admin = login('admin');
      const identity = { staffId: admin.staffId, orgId: org.orgId, role: admin.role };
      expect(
        (await resolveAlert(t.sql, { alertId: raised.alertId, identity, note: 'setup', nodeId: NODE })).outcome,
      ).toBe('resolved');
    }
    return told;
  }

  /** Refused as the functions refuse: a result saying so, or ForbiddenTransition (anything else is a failure). */
  const refusedIfForbidden = async (perform: () => Promise<string | undefined>) => {
    try {
      return await perform();
    } catch (error) {
      if (error instanceof ForbiddenTransition) return undefined;
      throw error;
    }
  };

  /** Each event through the function that performs it; returns the id of the alert it changed, if it did. */
  const perform: Record<AlertEvent, (alert: Subject) => Promise<string | undefined>> = {
    raise: async (alert) => {
      const raised = await t.sql.begin((tx) => raiseAlert(tx, input(alert.key, 'low')));
      return raised.created ? raised.alertId : undefined;
    },
    attach: async (alert) => {
      const raised = await t.sql.begin((tx) => raiseAlert(tx, input(alert.key, 'low')));
      return raised.created || raised.retriggered ? undefined : raised.alertId;
    },
    clear: async (alert) => {
      const note = 'cleared at the source';
      const cleared = await t.sql.begin((tx) =>
        clearAlert(tx, { orgId: org.orgId, dedupKey: alert.key, note, at: new Date() }),
      );
      return cleared?.alertId;
    },
    escalate: (alert) =>
      t.sql.begin(async (tx) => {
        const [due] = await tx<DueAlert[]>`
          select id, org_id as "orgId", resident_id as "residentId", severity, status, escalation_level as level,
                 retrigger_count as retrigger
            from alerts where id = ${alert.id ?? null} for update`;
        return due ? (await escalateAlert(tx, due, NODE)).alertId : undefined;
      }),
    acknowledge: async (alert) => {
      const acked = await acknowledgeDelivery(t.sql, {
        deliveryId: alert.deliveryId,
        staffId: alert.staffId || login('caregiver').staffId,
        orgId: org.orgId,
        nodeId: NODE,
      });
      return acked.outcome === 'acknowledged' ? acked.alertId : undefined;
    },
    retrigger: (alert) =>
      t.sql.begin(async (tx) => {
        const policy = await policyFor(tx, org.orgId, 'high');
        const target = { alertId: alert.id ?? randomUUID(), orgId: org.orgId, residentId: alert.residentId, level: 0 };
        const severity = 'high' as const;
        await retriggerAlert(tx, { ...target, severity, policy }, { cause: 'ack_timeout', nodeId: NODE });
        return alert.id;
      }),
    resolve: async (alert) => {
      const admin = login('admin');
      const identity = { staffId: admin.staffId, orgId: org.orgId, role: admin.role };
      const resolved = await resolveAlert(t.sql, {
        alertId: alert.id ?? randomUUID(),
        identity,
        note: 'done',
        nodeId: NODE,
      });
      return resolved.outcome === 'resolved' ? alert.id : undefined;
    },
    'resolve by system': async (alert) => {
      const clears = { orgId: org.orgId, dedupKeys: [alert.key], note: 'condition ended' };
      const resolved = await t.sql.begin((tx) => resolveBySystem(tx, clears));
      return resolved[0]?.alertId;
    },
  };

  const statusOf = async (alertId: string) => {
    const [row] = await t.sql<{ status: AlertStatus }[]>`select status from alerts where id = ${alertId}`;
    return row?.status;
  };

  const cases = alertEvents.flatMap((event) =>
    [null, ...alertStatuses].map((from) => ({ event, from, transition: alertTransition(event, from) })),
  );

  test.each(cases.filter((c) => c.transition))('$event from $from is allowed', async ({ event, from, transition }) => {
    const alert = await subject(from);
    const changed = await refusedIfForbidden(() => perform[event](alert));
    expect(changed).toBeDefined();
    if (alert.id) expect(changed).toBe(alert.id);
    expect(await statusOf(changed ?? '')).toBe(transition?.to);
  });

  test.each(cases.filter((c) => !c.transition))('$event from $from is refused', async ({ event, from }) => {
    const alert = await subject(from);
    const changed = await refusedIfForbidden(() => perform[event](alert));
    if (!alert.id) return expect(changed).toBeUndefined();
    // Refused for this alert (a raise may open another one once a resolved alert has freed the key).
    expect(changed).not.toBe(alert.id);
    expect(await statusOf(alert.id)).toBe(from);
  });

  test('every status is reached by some transition', () => {
    const reached = new Set<AlertStatus>(alertTransitions.map((transition) => transition.to));
    expect([...reached].sort()).toEqual([...alertStatuses].sort());
  });

  /** Who may cause a transition, for the people-caused ones: each role not told of the alert is checked. */
  test.each(
    (['acknowledge', 'resolve'] as const).flatMap((event) =>
      staffRoles.map((role) => ({
        event,
        role,
        allowed: (alertTransition(event, 'open')?.by as readonly string[] | undefined)?.includes(role) ?? false,
      })),
    ),
  )('$event by a $role who was not told of the alert: allowed $allowed', async ({ event, role, allowed }) => {
    const alert = await subject('open');
    const person = org.logins.find((candidate) => candidate.role === role && candidate.staffId !== alert.staffId);
    if (!person) throw new Error(`no other ${role} in the demo organisation`);
    await t.sql`delete from alert_deliveries where alert_id = ${alert.id ?? null} and staff_id = ${person.staffId}`;
    const identity = { staffId: person.staffId, orgId: org.orgId, role };
    const outcome =
      event === 'resolve'
        ? (await resolveAlert(t.sql, { alertId: alert.id ?? '', identity, note: 'done', nodeId: NODE })).outcome
        : (await acknowledgeDelivery(t.sql, { ...alert, staffId: person.staffId, orgId: org.orgId, nodeId: NODE }))
            .outcome;
    expect(outcome === 'resolved' || outcome === 'acknowledged').toBe(allowed);
    expect(await statusOf(alert.id ?? '')).toBe(allowed ? alertTransition(event, 'open')?.to : 'open');
  });

  describe('deliveries', () => {
    const MAX_SENDS = 1_000;

    /** A delivery of a fresh open alert, put in `state` (with what the state's sweeps look at). */
    async function deliveryIn(state: DeliveryState) {
      const alert = await subject('open');
      await t.sql`
        update alert_deliveries set state = ${state}, send_count = ${MAX_SENDS},
               next_send_at = now() - interval '1 second'
         where alert_id = ${alert.id ?? null}`;
      return alert;
    }

    const deliveryState = async (id: string) => {
      const [row] = await t.sql<{ state: DeliveryState }[]>`select state from alert_deliveries where id = ${id}`;
      return row?.state;
    };

    /** Each event through the function that performs it. */
    const performOnDelivery: Record<DeliveryEvent, (alert: Subject) => Promise<unknown>> = {
      create: (alert) =>
        t.sql.begin((tx) =>
          createDeliveries(tx, { alertId: alert.id ?? '', orgId: org.orgId, staffIds: [alert.staffId], level: 0 }),
        ),
      send: (alert) =>
        claimDeliveries(t.sql, {
          deliveryIds: [alert.deliveryId],
          ignoreSchedule: true,
          resendSeconds: 30,
          maxSends: MAX_SENDS + 1,
          nodeId: NODE,
        }),
      receipt: (alert) =>
        markDeliveredMany(t.sql, [{ deliveryId: alert.deliveryId, staffId: alert.staffId, orgId: org.orgId }], NODE),
      acknowledge: (alert) => acknowledgeDelivery(t.sql, { ...alert, orgId: org.orgId, nodeId: NODE }),
      supersede: (alert) =>
        t.sql.begin((tx) => resolveBySystem(tx, { orgId: org.orgId, dedupKeys: [alert.key], note: 'condition ended' })),
      fail: () => failExhaustedDeliveries(t.sql, MAX_SENDS, NODE),
    };

    /** Every transition of a delivery writes a history row: counting them tells whether one happened. */
    const historyRows = async (id: string) => {
      const [row] = await t.sql<{ n: number }[]>`
        select count(*)::int as n from alert_delivery_history where delivery_id = ${id}`;
      return row?.n ?? 0;
    };

    const deliveryCases = deliveryTransitions.flatMap((transition) =>
      deliveryStates.map((from) => ({
        event: transition.event,
        from,
        to: (transition.from as readonly (DeliveryState | null)[]).includes(from) ? transition.to : undefined,
      })),
    );

    test.each(deliveryCases)('delivery $event from $from: to $to', async ({ event, from, to }) => {
      const alert = await deliveryIn(from);
      const before = await historyRows(alert.deliveryId);
      await performOnDelivery[event](alert);
      expect(await historyRows(alert.deliveryId)).toBe(to === undefined ? before : before + 1);
      expect(await deliveryState(alert.deliveryId)).toBe(to ?? from);
    });
  });
});
