import { and, eq } from 'drizzle-orm';
import { ladderChangeActions } from '../../../db/alerts/escalation-policy';
import { defaultEscalationPolicies } from '../../../db/defaults';
import { type AlertSeverity, alertSeverity, type EscalationStep, escalationPolicies, teams } from '../../../db/schema';
import { auditStaffAction } from '../../lib/audit';
import { handle } from '../../lib/handlers';
import { notFound, orgScope } from '../../lib/org-scope';
import * as routes from './escalation-policies.routes';

type StoredPolicy = typeof escalationPolicies.$inferSelect;

const policyJson = (severity: AlertSeverity, row: StoredPolicy | undefined) => {
  const policy = row ?? defaultEscalationPolicies[severity];
  return {
    severity,
    steps: policy.steps as EscalationStep[],
    repeat: policy.repeat,
    isDefault: !row,
    updatedAt: row ? row.updatedAt.toISOString() : null,
  };
};

export const list = handle(...routes.list, async (c) => {
  const scope = orgScope(c);
  const rows = await scope.db.select().from(escalationPolicies).where(scope.where(escalationPolicies));
  const stored = new Map(rows.map((row) => [row.severity, row]));
  return c.json(
    { policies: alertSeverity.enumValues.map((severity) => policyJson(severity, stored.get(severity))) },
    200,
  );
});

export const put = handle(...routes.put, async (c) => {
  const { severity } = c.req.valid('param');
  const { steps, repeat } = c.req.valid('json');
  const scope = orgScope(c);
  const row = await c.env.services.db.transaction(async (tx) => {
    for (const [index, step] of steps.entries()) {
      if (step.notify === 'on_call') await orgScope(c, tx).assertOwns(teams, step.teamId, `steps.${index}.teamId`);
    }
    const where = and(eq(escalationPolicies.orgId, scope.orgId), eq(escalationPolicies.severity, severity));
    const [before] = await tx.select().from(escalationPolicies).where(where).for('update');
    const [saved] = before
      ? await tx.update(escalationPolicies).set({ steps, repeat, updatedAt: new Date() }).where(where).returning()
      : await tx.insert(escalationPolicies).values({ orgId: scope.orgId, severity, steps, repeat }).returning();
    if (!saved) throw new Error('escalation policy write returned no row');
    await auditStaffAction(tx, scope.identity, {
      action: ladderChangeActions.set,
      targetType: 'organisation',
      targetId: scope.orgId,
      ip: c.env.clientIp,
      details: {
        severity,
        before: before ? { steps: before.steps, repeat: before.repeat } : null,
        after: { steps, repeat },
      },
    });
    return saved;
  });
  return c.json(policyJson(severity, row), 200);
});

export const remove = handle(...routes.remove, async (c) => {
  const { severity } = c.req.valid('param');
  const scope = orgScope(c);
  const removed = await c.env.services.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(escalationPolicies)
      .where(and(eq(escalationPolicies.orgId, scope.orgId), eq(escalationPolicies.severity, severity)))
      .returning();
    if (row) {
      await auditStaffAction(tx, scope.identity, {
        action: ladderChangeActions.remove,
        targetType: 'organisation',
        targetId: scope.orgId,
        ip: c.env.clientIp,
        details: { severity, before: { steps: row.steps, repeat: row.repeat } },
      });
    }
    return row;
  });
  if (!removed) throw notFound('escalation policy of the organisation’s own');
  return c.body(null, 204);
});
