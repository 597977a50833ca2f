import { eq } from 'drizzle-orm';
import { defaultOrganisationSettings } from '../../../db/defaults';
import { usableSetting } from '../../../db/organisation-settings';
import { type OrganisationSettings, organisations } from '../../../db/schema';
import { auditStaffAction } from '../../lib/audit';
import { handle } from '../../lib/handlers';
import { notFound, orgScope } from '../../lib/org-scope';
import * as routes from './organisation.routes';

function settingsJson(stored: OrganisationSettings) {
  return {
    effective: {
      timeZone: usableSetting('timeZone', stored.timeZone) ?? defaultOrganisationSettings.timeZone,
      nightHours: usableSetting('nightHours', stored.nightHours) ?? defaultOrganisationSettings.nightHours,
      hubOfflineMinutes:
        usableSetting('hubOfflineMinutes', stored.hubOfflineMinutes) ?? defaultOrganisationSettings.hubOfflineMinutes,
      ackTimeoutSeconds: {
        ...defaultOrganisationSettings.ackTimeoutSeconds,
        ...(usableSetting('ackTimeoutSeconds', stored.ackTimeoutSeconds) ?? {}),
      },
      eventMediaKinds:
        usableSetting('eventMediaKinds', stored.eventMediaKinds) ?? defaultOrganisationSettings.eventMediaKinds,
      mediaRetentionDays:
        usableSetting('mediaRetentionDays', stored.mediaRetentionDays) ??
        defaultOrganisationSettings.mediaRetentionDays,
    },
    stored,
  };
}

export const getSettings = handle(...routes.getSettings, async (c) => {
  const scope = orgScope(c);
  const [org] = await scope.db
    .select({ settings: organisations.settings })
    .from(organisations)
    .where(eq(organisations.id, scope.orgId));
  if (!org) throw notFound('organisation');
  return c.json(settingsJson(org.settings), 200);
});

export const patchSettings = handle(...routes.patchSettings, async (c) => {
  const patch = c.req.valid('json');
  const scope = orgScope(c);
  const after = await c.env.services.db.transaction(async (tx) => {
    const [org] = await tx
      .select({ settings: organisations.settings })
      .from(organisations)
      .where(eq(organisations.id, scope.orgId))
      .for('update');
    if (!org) throw notFound('organisation');
    const next: Record<string, unknown> = { ...org.settings };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete next[key];
      else next[key] = value;
    }
    await tx
      .update(organisations)
      .set({ settings: next as OrganisationSettings, updatedAt: new Date() })
      .where(eq(organisations.id, scope.orgId));
    await auditStaffAction(tx, scope.identity, {
      action: 'organisation.settings',
      targetType: 'organisation',
      targetId: scope.orgId,
      ip: c.env.clientIp,
      details: { before: org.settings, after: next },
    });
    return next as OrganisationSettings;
  });
  return c.json(settingsJson(after), 200);
});
