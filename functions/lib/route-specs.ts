import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { MiddlewareHandler } from 'hono';
import type { DescribeRouteOptions } from 'hono-openapi';
import type { AppEnv } from './context';
import { describeStaffRoute, jsonResponse } from './openapi';
import type { ErrorCode } from './problem';
import { IdParam } from './schemas';
import { validate } from './validate';

/** A staff resource: its OpenAPI tag, what one and many of it are called, and who may use it. */
export interface Resource {
  tag: string;
  one: string;
  many: string;
  guard: () => MiddlewareHandler<AppEnv>;
}

/** What a route says about itself in the OpenAPI document, beyond what its kind implies. */
export interface Operation {
  summary: string;
  description?: string;
  /** Who may call it, when not the resource's usual guard. */
  guard?: () => MiddlewareHandler<AppEnv>;
}

type Responses = NonNullable<DescribeRouteOptions['responses']>;

/**
 * The specs of one staff resource's routes (`*.routes.ts`): each is the route's OpenAPI description, its role guard
 * and its validators, in that order, for `handle(...spec, handler)`. The usual operations (list, get, create,
 * update, remove) answer the usual responses and errors; `operation` states its own.
 */
export function resourceRoutes({ tag, one, many, guard }: Resource) {
  /** A route of this resource with its own responses and errors, guarded, then validated by `validators`. */
  function operation<const Validators extends MiddlewareHandler[]>(
    {
      summary,
      description,
      guard: own = guard,
      ...documented
    }: Operation & { responses: Responses; errors: ErrorCode[] },
    ...validators: Validators
  ) {
    const describe = describeStaffRoute({
      tags: [tag],
      summary,
      ...(description ? { description } : {}),
      ...documented,
    });
    return [describe, own(), ...validators] as const;
  }

  return {
    operation,

    /** `GET /`: a page of the resource, filtered by `query` ("List {many}" unless it says otherwise). */
    list: <Query extends StandardSchemaV1>(op: Partial<Operation> & { page: StandardSchemaV1; query: Query }) =>
      operation(
        {
          ...only({ summary: `List ${many}`, ...op }),
          responses: { 200: jsonResponse(`A page of ${many}`, op.page) },
          errors: ['VALIDATION_FAILED'],
        },
        validate('query', op.query),
      ),

    /** `GET /:id`: one item, or 404 ("One {one}" unless it says otherwise). */
    get: (op: Partial<Operation> & { item: StandardSchemaV1; what?: string }) =>
      operation(
        {
          ...only({ summary: `One ${one}`, ...op }),
          responses: { 200: jsonResponse(`The ${op.what ?? one}`, op.item) },
          errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
        },
        validate('param', IdParam),
      ),

    /** `POST /`: creates from the body (201); `conflict` when a unique rule can refuse it (409). */
    create: <Body extends StandardSchemaV1>(op: Operation & { created: Responses; body: Body; conflict?: boolean }) =>
      operation(
        {
          ...only(op),
          responses: op.created,
          errors: ['VALIDATION_FAILED', 'BAD_REQUEST', ...(op.conflict ? (['CONFLICT'] as const) : [])],
        },
        validate('json', op.body),
      ),

    /** `PATCH /:id`: changes the fields the body sends, or 404. */
    update: <Body extends StandardSchemaV1>(
      op: Operation & { item: StandardSchemaV1; body: Body; conflict?: boolean },
    ) =>
      operation(
        {
          ...only(op),
          responses: { 200: jsonResponse('Updated', op.item) },
          errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'BAD_REQUEST', ...(op.conflict ? (['CONFLICT'] as const) : [])],
        },
        validate('param', IdParam),
        validate('json', op.body),
      ),

    /** `DELETE /:id`: removes the item (204), or 404. */
    remove: (op: Operation) =>
      operation(
        { ...only(op), responses: { 204: { description: 'Removed' } }, errors: ['NOT_FOUND', 'VALIDATION_FAILED'] },
        validate('param', IdParam),
      ),
  };
}

/** The common `Operation` fields of a kind's options. */
function only({ summary, description, guard }: Operation): Operation {
  return { summary, description, guard };
}
