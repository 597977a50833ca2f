import * as v from 'valibot';
import { pageQueryFields } from '../../lib/pagination';
import { recordSchemas } from '../../lib/record-schemas';
import { Name, StorableText } from '../../lib/schemas';

const Url = v.pipe(
  StorableText,
  v.trim(),
  v.maxLength(2048),
  v.description('https, on a public host; checked again against the addresses it resolves to at every call'),
);

export const CreateBody = v.pipe(
  v.strictObject({ name: Name, url: Url, active: v.optional(v.boolean()) }),
  v.metadata({ example: { name: 'SMS gateway', url: 'https://sms.example.org/carewatch' } }),
);

export const UpdateBody = v.pipe(
  v.strictObject({ name: v.optional(Name), url: v.optional(Url), active: v.optional(v.boolean()) }),
  v.check((body) => Object.keys(body).length > 0, 'send at least one field to change'),
);

export const ListQuery = v.object({ ...pageQueryFields(['name', 'createdAt'] as const) });

/** An endpoint as the API answers it: never its secret. */
export const { Item, Page } = recordSchemas('WebhookEndpoint', {
  name: v.string(),
  url: v.string(),
  active: v.boolean(),
  secretVersion: v.pipe(v.number(), v.description('Bumped by every rotation')),
});

export const WithSecretSchema = v.pipe(
  v.object({
    endpoint: Item,
    secret: v.pipe(
      v.string(),
      v.description(
        'Shown this once. Signs every request to the endpoint and must sign its callbacks: ' +
          '`CareWatch-Signature: v1=<hex HMAC-SHA256(secret, "<CareWatch-Timestamp>.<raw body>")>`.',
      ),
    ),
  }),
  v.metadata({ ref: 'WebhookEndpointWithSecret' }),
);
