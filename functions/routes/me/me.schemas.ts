import * as v from 'valibot';
import { staffRoles } from '../../../core/auth/access-token';
import { staffLanguage } from '../../../db/schema';
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
    language: v.pipe(
      v.picklist(staffLanguage.enumValues),
      v.description('The language of notifications (push, SMS texts)'),
    ),
  }),
  v.metadata({ ref: 'Me' }),
);

export const UpdateMeBody = v.pipe(
  v.strictObject({ language: v.picklist(staffLanguage.enumValues) }),
  v.metadata({ ref: 'UpdateMeBody', example: { language: 'en' } }),
);
