import * as v from 'valibot';
import { staffRoles } from '../../../core/auth/access-token';
import { pageQueryFields } from '../../lib/pagination';
import { recordSchemas } from '../../lib/record-schemas';
import { Email, Name, Phone, QueryBoolean, SearchTerm, StorableText } from '../../lib/schemas';

const Password = v.pipe(
  StorableText,
  v.minLength(12, 'must be at least 12 characters'),
  v.maxLength(1024, 'must be at most 1024 characters'),
);

export const CreateBody = v.pipe(
  v.strictObject({
    name: Name,
    email: Email,
    phone: v.optional(v.nullable(Phone)),
    role: v.picklist(staffRoles),
    password: Password,
  }),
  v.metadata({
    example: {
      name: '생활지원사 Park',
      email: 'park@centre.example',
      role: 'caregiver',
      password: 'a long passphrase',
    },
  }),
);

export const UpdateBody = v.pipe(
  v.strictObject({
    name: v.optional(Name),
    phone: v.optional(v.nullable(Phone)),
    role: v.optional(v.picklist(staffRoles)),
    active: v.optional(v.boolean()),
    password: v.optional(Password),
  }),
  v.check((body) => Object.keys(body).length > 0, 'send at least one field to change'),
  v.metadata({ example: { phone: '010-1234-5678' } }),
);

export const ListQuery = v.object({
  ...pageQueryFields(['name', 'email', 'createdAt'] as const),
  role: v.optional(v.picklist(staffRoles)),
  active: v.optional(QueryBoolean),
  q: v.optional(SearchTerm),
});

/** A staff member as the API answers it. */
export const { Item, Page } = recordSchemas('Staff', {
  name: v.string(),
  email: v.string(),
  phone: v.nullable(v.string()),
  role: v.picklist(staffRoles),
  active: v.boolean(),
});
