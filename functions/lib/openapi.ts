import type { StandardSchemaV1 } from '@standard-schema/spec';
import { type DescribeRouteOptions, describeRoute, resolver } from 'hono-openapi';
import * as v from 'valibot';
import { type ErrorCode, errorCodes, problemFor } from './problem';

/** RFC 9457 problem details, as every error response of the API carries them. */
export const ProblemSchema = v.pipe(
  v.object({
    type: v.string(),
    title: v.string(),
    status: v.number(),
    detail: v.string(),
    code: v.picklist(Object.keys(errorCodes) as ErrorCode[]),
    instance: v.optional(v.string()),
    requestId: v.optional(v.string()),
    errors: v.optional(v.array(v.object({ field: v.string(), message: v.string() }))),
    current: v.optional(
      v.pipe(v.record(v.string(), v.unknown()), v.description("A conflict's answer: the resource's state now")),
    ),
  }),
  v.metadata({ ref: 'Problem' }),
);

const errorDescriptions: Record<ErrorCode, string> = {
  BAD_REQUEST: 'Malformed request (for example a body that is not JSON)',
  VALIDATION_FAILED: 'A body, path or query field is invalid; `errors` lists each one',
  UNAUTHORIZED: 'Missing, invalid or expired credentials',
  FORBIDDEN: "The caller's role may not do this",
  NOT_FOUND: 'No such record in the caller’s organisation (another organisation’s ids answer the same)',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  REQUEST_TIMEOUT: 'The request did not arrive in time (answered by the Node server, with `connection: close`)',
  CONFLICT: 'The change conflicts with existing data',
  GONE: 'It existed but has expired',
  PAYLOAD_TOO_LARGE: 'The body exceeds the size limit',
  UNSUPPORTED_MEDIA_TYPE: 'The body must be application/json',
  RANGE_NOT_SATISFIABLE: 'The `Range` starts beyond the end; `Content-Range: bytes */size` gives the size',
  RATE_LIMITED: 'Too many attempts; retry after the `retry-after` seconds',
  HEADERS_TOO_LARGE:
    'The request headers exceed the server’s limit (answered by the Node server, with `connection: close`)',
  INTERNAL: 'Unexpected error (logged with the request id)',
  UNAVAILABLE: 'A dependency is down',
};

/** Error responses generated from the one error-code list, so documentation and behaviour cannot drift. */
export function errorResponses(...codes: ErrorCode[]): NonNullable<DescribeRouteOptions['responses']> {
  const responses: NonNullable<DescribeRouteOptions['responses']> = {};
  for (const code of new Set<ErrorCode>([...codes, 'INTERNAL'])) {
    const status = String(errorCodes[code]);
    const example = problemFor(code, errorDescriptions[code]);
    const existing = responses[status];
    const description =
      existing && 'description' in existing
        ? `${existing.description}; ${errorDescriptions[code]}`
        : errorDescriptions[code];
    responses[status] = {
      description,
      content: { 'application/problem+json': { schema: resolver(ProblemSchema), example } },
    };
  }
  return responses;
}

/** A JSON success response documented from its valibot schema. */
export function jsonResponse(description: string, schema: StandardSchemaV1) {
  return { description, content: { 'application/json': { schema: resolver(schema) } } };
}

/** What a route documents: its own success responses and errors, besides those its security implies. */
type RouteDescription = Omit<DescribeRouteOptions, 'responses' | 'security'> & {
  responses: NonNullable<DescribeRouteOptions['responses']>;
  errors?: ErrorCode[];
};

/** Describes the operations of one way of calling: its security scheme (none: public) and the errors it implies. */
function describeCalledWith(scheme: 'bearerAuth' | 'hubKey' | undefined, implied: ErrorCode[]) {
  return ({ responses, errors = [], ...rest }: RouteDescription) =>
    describeRoute({
      ...rest,
      security: scheme ? [{ [scheme]: [] }] : [],
      responses: { ...responses, ...errorResponses(...implied, ...errors) },
    });
}

/** Describes an operation that needs a staff access token. */
export const describeStaffRoute = describeCalledWith('bearerAuth', ['UNAUTHORIZED', 'FORBIDDEN']);

/** Describes an operation that takes no staff token (login, refresh). */
export const describePublicRoute = describeCalledWith(undefined, []);

/** Describes an operation a sensor hub calls with its API key (security scheme `hubKey`), not a staff token. */
export const describeHubRoute = describeCalledWith('hubKey', ['UNAUTHORIZED']);

/**
 * `true` when a response schema's output has exactly the keys of `Actual` and every value it documents is one `Actual`
 * allows; use as `Assert<Documents<typeof Schema, Actual>>` so a schema that drifts from its type fails to compile.
 */
export type Documents<Schema extends StandardSchemaV1, Actual> = [keyof StandardSchemaV1.InferOutput<Schema>] extends [
  keyof Actual,
]
  ? [keyof Actual] extends [keyof StandardSchemaV1.InferOutput<Schema>]
    ? StandardSchemaV1.InferOutput<Schema> extends Actual
      ? true
      : false
    : false
  : false;

/** Compiles only when `Check` is `true`. */
export type Assert<Check extends true> = Check;
