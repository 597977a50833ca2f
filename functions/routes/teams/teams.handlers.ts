import { sql } from 'drizzle-orm';
import type { CoverageGap } from '../../../db/on-call/schedule';
import { type Team, teams } from '../../../db/schema';
import { auditStaffAction } from '../../lib/audit';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { withIsoDates } from '../../lib/org-references';
import { type Executor, orgScope } from '../../lib/org-scope';
import { isUniqueViolation } from '../../lib/postgres-errors';
import { ApiError } from '../../lib/problem';
import { coverageGapsOf } from './team-coverage';
import * as routes from './teams.routes';

const sortColumns = { name: teams.name, createdAt: teams.createdAt } as const;
const teamsOf = (c: AppContext, db?: Executor) => orgScope(c, db).table(teams, 'team');
const NAME_TAKEN = 'A team of that name exists in the organisation';

const teamJson = (row: Team, gaps: CoverageGap[]) => ({ ...withIsoDates(row), coverageGaps: gaps });

async function withGaps(c: AppContext, row: Team) {
  const gaps = await coverageGapsOf(c.env.services.db, row.orgId, [row.id]);
  return teamJson(row, gaps.get(row.id) ?? []);
}

export const list = handle(...routes.list, async (c) => {
  const query = c.req.valid('query');
  const page = await teamsOf(c).page(query, sortColumns[query.sort], []);
  const gaps = await coverageGapsOf(
    c.env.services.db,
    c.get('identity').orgId,
    page.items.map((row) => row.id),
  );
  return c.json({ ...page, items: page.items.map((row) => teamJson(row, gaps.get(row.id) ?? [])) }, 200);
});

export const get = handle(...routes.get, async (c) => {
  return c.json(await withGaps(c, await teamsOf(c).get(c.req.valid('param').id)), 200);
});

export const create = handle(...routes.create, async (c) => {
  const body = c.req.valid('json');
  const scope = orgScope(c);
  const row = await scope.table(teams, 'team').insert(body, { conflict: NAME_TAKEN });
  await auditStaffAction(scope.db, scope.identity, {
    action: 'team.create',
    targetType: 'team',
    targetId: row.id,
    ip: c.env.clientIp,
    details: { after: body },
  });
  return c.json(await withGaps(c, row), 201);
});

export const update = handle(...routes.update, async (c) => {
  const { id } = c.req.valid('param');
  const changes = c.req.valid('json');
  const row = await c.env.services.db.transaction(async (tx) => {
    const table = teamsOf(c, tx);
    const before = await table.get(id, { forUpdate: true });
    const updated = await table.update(id, changes).catch((error: unknown) => {
      throw isUniqueViolation(error) ? new ApiError({ code: 'CONFLICT', detail: NAME_TAKEN }) : error;
    });
    await auditStaffAction(tx, c.get('identity'), {
      action: 'team.update',
      targetType: 'team',
      targetId: id,
      ip: c.env.clientIp,
      details: { before: { name: before.name, description: before.description }, after: changes },
    });
    return updated;
  });
  return c.json(await withGaps(c, row), 200);
});

export const remove = handle(...routes.remove, async (c) => {
  const { id } = c.req.valid('param');
  await c.env.services.db.transaction(async (tx) => {
    const team = await teamsOf(c, tx).get(id, { forUpdate: true });
    const naming = await laddersNaming(tx, team.orgId, id);
    if (naming.length > 0) {
      throw new ApiError({
        code: 'CONFLICT',
        detail: `The ${naming.join(', ')} escalation ladder${naming.length > 1 ? 's name' : ' names'} this team’s on-call; change ${naming.length > 1 ? 'them' : 'it'} first`,
        current: { ladders: naming },
      });
    }
    await teamsOf(c, tx).remove(id);
    await auditStaffAction(tx, c.get('identity'), {
      action: 'team.delete',
      targetType: 'team',
      targetId: id,
      ip: c.env.clientIp,
      details: { before: { name: team.name, description: team.description } },
    });
  });
  return c.body(null, 204);
});

/** Severities whose ladder has a step naming the team's on-call. */
async function laddersNaming(db: Executor, orgId: string, teamId: string): Promise<string[]> {
  const rows = await db.execute<{ severity: string }>(sql`
    select severity::text from escalation_policies
     where org_id = ${orgId}
       and exists (select 1 from jsonb_array_elements(steps) step
                    where step->>'notify' = 'on_call' and step->>'teamId' = ${teamId})
     order by severity`);
  return [...rows].map((row) => row.severity);
}
