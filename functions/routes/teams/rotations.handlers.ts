import { and, eq } from 'drizzle-orm';
import { formatWallClock, minuteOfWeek, parseWallClock, weekMoment } from '../../../db/on-call/wall-clock';
import { type OnCallRotation, onCallRotations } from '../../../db/schema';
import { auditStaffAction } from '../../lib/audit';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { withIsoDates } from '../../lib/org-references';
import { type Executor, orgScope } from '../../lib/org-scope';
import { mapPage } from '../../lib/pagination';
import { assertActiveStaff } from './participants';
import * as routes from './rotations.routes';
import { coverageGapsOf } from './team-coverage';
import { teamOf } from './team-of';

const sortColumns = { createdAt: onCallRotations.createdAt, name: onCallRotations.name } as const;
const rotationsOf = (c: AppContext, db?: Executor) => orgScope(c, db).table(onCallRotations, 'rotation of this team');

/** PostgreSQL answers `timestamp` as `YYYY-MM-DD HH:MM:SS`; the API speaks `YYYY-MM-DDTHH:MM`. */
function localStart(stored: string): string {
  const minutes = parseWallClock(stored);
  return minutes === undefined ? stored : formatWallClock(minutes);
}

function rotationJson(row: OnCallRotation) {
  const startsAt = localStart(row.startsAt);
  const handover = weekMoment(minuteOfWeek(parseWallClock(startsAt) ?? 0));
  return { ...withIsoDates(row), startsAt, handover: { ...handover, everyDays: row.turnDays } };
}

async function written(c: AppContext, row: OnCallRotation) {
  const gaps = await coverageGapsOf(c.env.services.db, row.orgId, [row.teamId]);
  return { rotation: rotationJson(row), teamCoverageGaps: gaps.get(row.teamId) ?? [] };
}

export const list = handle(...routes.list, async (c) => {
  const { id } = c.req.valid('param');
  const query = c.req.valid('query');
  await teamOf(c, c.env.services.db, id);
  const page = await rotationsOf(c).page(query, sortColumns[query.sort], [eq(onCallRotations.teamId, id)]);
  return c.json(mapPage(page, rotationJson), 200);
});

export const get = handle(...routes.get, async (c) => {
  const { id, rotationId } = c.req.valid('param');
  const row = await rotationsOf(c).get(rotationId, { where: eq(onCallRotations.teamId, id) });
  return c.json(rotationJson(row), 200);
});

export const create = handle(...routes.create, async (c) => {
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const row = await c.env.services.db.transaction(async (tx) => {
    const team = await teamOf(c, tx, id);
    await assertActiveStaff(tx, team.orgId, body.participantIds, 'participantIds');
    const inserted = await rotationsOf(c, tx).insert({ ...body, teamId: id });
    await auditStaffAction(tx, c.get('identity'), {
      action: 'on_call_rotation.create',
      targetType: 'team',
      targetId: id,
      ip: c.env.clientIp,
      details: { rotationId: inserted.id, after: body },
    });
    return inserted;
  });
  return c.json(await written(c, row), 201);
});

export const update = handle(...routes.update, async (c) => {
  const { id, rotationId } = c.req.valid('param');
  const changes = c.req.valid('json');
  const row = await c.env.services.db.transaction(async (tx) => {
    const rotations = rotationsOf(c, tx);
    const before = await rotations.get(rotationId, { where: eq(onCallRotations.teamId, id), forUpdate: true });
    if (changes.participantIds) {
      await assertActiveStaff(tx, before.orgId, changes.participantIds, 'participantIds');
    }
    const updated = await rotations.update(rotationId, changes);
    await auditStaffAction(tx, c.get('identity'), {
      action: 'on_call_rotation.update',
      targetType: 'team',
      targetId: id,
      ip: c.env.clientIp,
      details: { rotationId, before: rotationFields(before), after: changes },
    });
    return updated;
  });
  return c.json(await written(c, row), 200);
});

export const remove = handle(...routes.remove, async (c) => {
  const { id, rotationId } = c.req.valid('param');
  await c.env.services.db.transaction(async (tx) => {
    const rotations = rotationsOf(c, tx);
    const before = await rotations.get(rotationId, {
      where: and(eq(onCallRotations.teamId, id)),
      forUpdate: true,
    });
    await rotations.remove(rotationId);
    await auditStaffAction(tx, c.get('identity'), {
      action: 'on_call_rotation.delete',
      targetType: 'team',
      targetId: id,
      ip: c.env.clientIp,
      details: { rotationId, before: rotationFields(before) },
    });
  });
  return c.body(null, 204);
});

function rotationFields(row: OnCallRotation) {
  const { name, participantIds, turnDays, shifts } = row;
  return { name, participantIds, startsAt: localStart(row.startsAt), turnDays, shifts };
}
