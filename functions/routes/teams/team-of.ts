import { teams } from '../../../db/schema';
import type { AppContext } from '../../lib/context';
import { type Executor, orgScope } from '../../lib/org-scope';

/** The team a nested route names in its path, or 404 (missing or another organisation's). */
export const teamOf = (c: AppContext, db: Executor, teamId: string) => orgScope(c, db).table(teams, 'team').get(teamId);
