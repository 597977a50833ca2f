import * as v from 'valibot';
import { weekdays } from '../../../db/schema/on-call';

const WeekMoment = v.object({ day: v.picklist(weekdays), time: v.pipe(v.string(), v.description('HH:MM')) });

/** A stretch of the week a team's rotations leave uncovered (`db/on-call/schedule.ts` `coverageGaps`). */
export const CoverageGapSchema = v.pipe(
  v.object({ from: WeekMoment, to: WeekMoment, minutes: v.number() }),
  v.metadata({ ref: 'CoverageGap' }),
);
