import { handle } from '../../lib/handlers';
import { teamOf } from '../teams/team-of';
import * as routes from './on-call.routes';
import { onCallAnswer } from './on-call-answer';

export const everyTeam = handle(...routes.everyTeam, async (c) => {
  return c.json(await onCallAnswer(c, { at: c.req.valid('query').at }), 200);
});

export const oneTeam = handle(...routes.oneTeam, async (c) => {
  const { id } = c.req.valid('param');
  await teamOf(c, c.env.services.db, id);
  return c.json(await onCallAnswer(c, { at: c.req.valid('query').at, teamId: id }), 200);
});
