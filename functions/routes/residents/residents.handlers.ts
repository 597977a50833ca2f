import { eq, ilike, sql } from 'drizzle-orm';
import { alertMedia, residents, sensorEvents } from '../../../db/schema';
import { auditStaffAction } from '../../lib/audit';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { equalWhereGiven } from '../../lib/list-filters';
import { type Executor, notFound, orgScope } from '../../lib/org-scope';
import { mapPage } from '../../lib/pagination';
import { ApiError } from '../../lib/problem';
import { invalidateProfiles } from '../../lib/profile-cache';
import { likePattern } from '../../lib/schemas';
import { readResidentProfile, residentJson } from './resident-profile';
import * as routes from './residents.routes';

const sortColumns = { name: residents.name, createdAt: residents.createdAt } as const;
const residentsOf = (c: AppContext, db?: Executor) => orgScope(c, db).table(residents, 'resident');

export const list = handle(...routes.list, async (c) => {
  const query = c.req.valid('query');
  const page = await orgScope(c)
    .readableResidents()
    .page(query, sortColumns[query.sort], [
      ...equalWhereGiven(query, { status: residents.status }),
      query.q ? ilike(residents.name, likePattern(query.q)) : undefined,
    ]);
  return c.json(mapPage(page, residentJson), 200);
});

export const profile = handle(...routes.profile, async (c) => {
  const { profile, hit } = await readResidentProfile(orgScope(c), c.env.services.cache, c.req.valid('param').id);
  if (!profile) throw notFound('resident');
  c.header('x-cache', hit ? 'hit' : 'miss');
  return c.json(profile, 200);
});

export const create = handle(...routes.create, async (c) => {
  return c.json(residentJson(await residentsOf(c).insert(c.req.valid('json'))), 201);
});

/** A presence change restarts its clock. */
export const update = handle(...routes.update, async (c) => {
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const row = await residentsOf(c).update(id, { ...body, ...(body.presence ? { presenceChangedAt: new Date() } : {}) });
  await invalidateProfiles(c, [id]);
  return c.json(residentJson(row), 200);
});

export const discharge = handle(...routes.discharge, async (c) => {
  const { id } = c.req.valid('param');
  const row = await c.env.services.db.transaction(async (tx) => {
    const resident = residentsOf(c, tx);
    const current = await resident.get(id, { forUpdate: true });
    if (current.status === 'discharged') {
      throw new ApiError({ code: 'CONFLICT', detail: 'The resident is already discharged' });
    }
    const updated = await resident.update(id, { status: 'discharged', dischargedAt: new Date() });
    // A discharged resident's snapshots and clips go with the discharge: the delete trigger queues their bytes for
    // the media store's purge. (Erase needs nothing of its own: the rows cascade from the resident.)
    const media = await tx.delete(alertMedia).where(eq(alertMedia.residentId, id)).returning({ id: alertMedia.id });
    await auditStaffAction(tx, c.get('identity'), {
      action: 'resident.discharge',
      targetType: 'resident',
      targetId: id,
      ip: c.env.clientIp,
      details: { mediaDeleted: media.length },
    });
    return updated;
  });
  await invalidateProfiles(c, [id]);
  return c.json(residentJson(row), 200);
});

export const erase = handle(...routes.erase, async (c) => {
  const { id } = c.req.valid('param');
  const sensorEventsDeleted = await c.env.services.db.transaction(async (tx) => {
    const scope = orgScope(c, tx);
    const resident = scope.table(residents, 'resident');
    await resident.get(id, { forUpdate: true });
    // sensor_events has no foreign keys (hypertable), so its rows are deleted explicitly.
    const [events] = await tx.execute<{ deleted: number }>(sql`
      with gone as (
        delete from ${sensorEvents} where ${scope.where(sensorEvents, eq(sensorEvents.residentId, id))}
        returning 1)
      select count(*)::int as deleted from gone`);
    const deleted = events?.deleted ?? 0;
    await resident.remove(id);
    await auditStaffAction(tx, scope.identity, {
      action: 'resident.erase',
      targetType: 'resident',
      targetId: id,
      ip: c.env.clientIp,
      details: { sensorEventsDeleted: deleted },
    });
    return deleted;
  });
  await invalidateProfiles(c, [id]);
  return c.json({ erased: true as const, sensorEventsDeleted }, 200);
});
