import { invalidateResidentProfiles } from '../../core/cache/keys';
import type { AppContext } from './context';

/** After a write that changes what these residents' cached profiles show, in the caller's organisation. */
export function invalidateProfiles(c: AppContext, residentIds: string[]) {
  return invalidateResidentProfiles(c.env.services.cache, c.get('identity').orgId, residentIds);
}
