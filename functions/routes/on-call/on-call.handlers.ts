import { teams } from '../../../db/schema';
import { handle } from '../../lib/handlers';
import { orgScope } from '../../lib/org-scope';
import * as routes from './on-call.routes';
import { onCallAnswer } from './on-call-answer';

export const everyTeam = handle(...routes.everyTeam, async (c) => {
  return c.json(await onCallAnswer(c, { at: c.req.valid('query').at }), 200);
});

export const oneTeam = handle(...routes.oneTeam, async (c) => {
  const { id } = c.req.valid('param');
  await orgScope(c).table(teams, 'team').get(id);
  return c.json(await onCallAnswer(c, { at: c.req.valid('query').at, teamId: id }), 200);
});
