import { and, eq, isNull, or, sql } from 'drizzle-orm';
import { defaultChannelRules } from '../../../db/alerts/channels/default-rules';
import {
  type AlertSeverity,
  type ChannelRule,
  type NotificationRule,
  notificationRules,
  staff,
  webhookEndpoints,
} from '../../../db/schema';
import { auditStaffAction } from '../../lib/audit';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { notFound, orgScope } from '../../lib/org-scope';
import { ApiError } from '../../lib/problem';
import * as routes from './notification-rules.routes';

const ruleJson = (row: NotificationRule) => ({
  severity: row.severity,
  staffId: row.staffId,
  channels: row.channels,
  updatedAt: row.updatedAt.toISOString(),
});

export const list = handle(...routes.list, async (c) => {
  const scope = orgScope(c);
  const { identity } = scope;
  const privileged = identity.role === 'admin' || identity.role === 'manager';
  const rows = await scope.db
    .select()
    .from(notificationRules)
    .where(
      scope.where(
        notificationRules,
        privileged ? undefined : or(isNull(notificationRules.staffId), eq(notificationRules.staffId, identity.staffId)),
      ),
    )
    // The organisation's rule, then the overrides, per severity.
    .orderBy(notificationRules.severity, sql`${notificationRules.staffId} nulls first`);
  return c.json(
    { defaults: defaultChannelRules as Record<AlertSeverity, ChannelRule[]>, rules: rows.map(ruleJson) },
    200,
  );
});

export const putOrganisation = handle(...routes.putOrganisation, async (c) => {
  const { severity } = c.req.valid('param');
  const row = await saveRule(c, { staffId: null, severity, channels: c.req.valid('json').channels });
  return c.json(ruleJson(row), 200);
});

export const removeOrganisation = handle(...routes.removeOrganisation, async (c) => {
  await removeRule(c, { staffId: null, severity: c.req.valid('param').severity });
  return c.body(null, 204);
});

export const putStaff = handle(...routes.putStaff, async (c) => {
  const { staffId, severity } = c.req.valid('param');
  await assertMayChange(c, staffId);
  const row = await saveRule(c, { staffId, severity, channels: c.req.valid('json').channels });
  return c.json(ruleJson(row), 200);
});

export const removeStaff = handle(...routes.removeStaff, async (c) => {
  const { staffId, severity } = c.req.valid('param');
  await assertMayChange(c, staffId);
  await removeRule(c, { staffId, severity });
  return c.body(null, 204);
});

/** Anyone may change their own rules; admins anyone's in the organisation (404 for a staff id not in it). */
async function assertMayChange(c: AppContext, staffId: string): Promise<void> {
  const scope = orgScope(c);
  if (staffId !== scope.identity.staffId && scope.identity.role !== 'admin') {
    throw new ApiError({ code: 'FORBIDDEN', detail: "Only admins may change another staff member's rules" });
  }
  const [member] = await scope.db
    .select({ id: staff.id })
    .from(staff)
    .where(scope.where(staff, eq(staff.id, staffId)));
  if (!member) throw notFound('staff member');
}

const ruleOf = (orgId: string, rule: { staffId: string | null; severity: AlertSeverity }) =>
  and(
    eq(notificationRules.orgId, orgId),
    eq(notificationRules.severity, rule.severity),
    rule.staffId === null ? isNull(notificationRules.staffId) : eq(notificationRules.staffId, rule.staffId),
  );

async function saveRule(
  c: AppContext,
  rule: { staffId: string | null; severity: AlertSeverity; channels: ChannelRule[] },
): Promise<NotificationRule> {
  const scope = orgScope(c);
  for (const [index, channel] of rule.channels.entries()) {
    if (channel.endpointId)
      await scope.assertOwns(webhookEndpoints, channel.endpointId, `channels.${index}.endpointId`);
  }
  return c.env.services.db.transaction(async (tx) => {
    const [before] = await tx.select().from(notificationRules).where(ruleOf(scope.orgId, rule)).for('update');
    const [row] = before
      ? await tx
          .update(notificationRules)
          .set({ channels: rule.channels, updatedAt: new Date() })
          .where(eq(notificationRules.id, before.id))
          .returning()
      : await tx
          .insert(notificationRules)
          .values({ orgId: scope.orgId, staffId: rule.staffId, severity: rule.severity, channels: rule.channels })
          .returning();
    if (!row) throw new Error('notification rule write returned no row');
    await auditStaffAction(tx, scope.identity, {
      action: 'notification_rule.set',
      targetType: rule.staffId ? 'staff' : 'organisation',
      targetId: rule.staffId ?? scope.orgId,
      ip: c.env.clientIp,
      details: { severity: rule.severity, before: before?.channels ?? null, after: rule.channels },
    });
    return row;
  });
}

async function removeRule(c: AppContext, rule: { staffId: string | null; severity: AlertSeverity }): Promise<void> {
  const scope = orgScope(c);
  const removed = await c.env.services.db.transaction(async (tx) => {
    const [row] = await tx.delete(notificationRules).where(ruleOf(scope.orgId, rule)).returning();
    if (row) {
      await auditStaffAction(tx, scope.identity, {
        action: 'notification_rule.remove',
        targetType: rule.staffId ? 'staff' : 'organisation',
        targetId: rule.staffId ?? scope.orgId,
        ip: c.env.clientIp,
        details: { severity: rule.severity, before: row.channels },
      });
    }
    return row;
  });
  if (!removed) throw notFound('notification rule');
}
