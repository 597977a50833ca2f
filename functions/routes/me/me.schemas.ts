import * as v from 'valibot';
import { staffRoles } from '../../../core/auth/access-token';
import { Uuid } from '../../lib/schemas';

export const MeSchema = v.pipe(
  v.object({
    id: Uuid,
    orgId: Uuid,
    organisationName: v.string(),
    name: v.string(),
    email: v.string(),
    phone: v.nullable(v.string()),
    role: v.picklist(staffRoles),
  }),
  v.metadata({ ref: 'Me' }),
);
