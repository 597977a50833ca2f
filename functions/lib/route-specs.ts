import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { MiddlewareHandler } from 'hono';
import type { DescribeRouteOptions } from 'hono-openapi';
import type { AppEnv } from './context';
import { describeStaffRoute, jsonResponse } from './openapi';
import type { ErrorCode } from './problem';
import { IdParam } from './schemas';
import { validate } from './validate';

type Guard = () => MiddlewareHandler<AppEnv>;
type Responses = NonNullable<DescribeRouteOptions['responses']>;
type ParamCheck<Schema extends StandardSchemaV1> = ReturnType<typeof validate<Schema, 'param'>>;

/**
 * A resource's schemas, as its `<resource>.schemas.ts` exports them (pass the module itself): one item as the API
 * answers it, a page of items, the list's query, and the bodies that create and change one.
 */
export interface ResourceSchemas<ListQuery, CreateBody, UpdateBody> {
  Item: StandardSchemaV1;
  Page: StandardSchemaV1;
  ListQuery: ListQuery;
  CreateBody?: CreateBody;
  UpdateBody?: UpdateBody;
}

/** Where a resource nested under another stands in the path (`/cameras/:id/grants/:grantId`). */
export interface NestedPath {
  /** The parent's path parameters: checked on list and create, which answer 404 when the parent is not found. */
  parent: StandardSchemaV1;
  /** One item's path parameters (the parent's included), for the routes on one item. */
  item: StandardSchemaV1;
}

/** A staff resource: what one and many of it are called, who may use it, and its schemas. */
export interface Resource<Schemas, Path extends NestedPath | undefined> {
  /** Its OpenAPI tag; `many` unless it says otherwise. */
  tag?: string;
  one: string;
  /** `{one}s` unless it says otherwise. */
  many?: string;
  guard: Guard;
  schemas: Schemas;
  /** The writes a unique rule can refuse (409). */
  unique?: ('create' | 'update')[];
  /** Set for a resource that lives under another. */
  path?: Path;
}

/** What an operation says of itself beyond its summary and what its kind implies. */
export interface Details {
  description?: string;
  /** Who may call it, when not the resource's usual guard. */
  guard?: Guard;
}

/** A success answer: what its description says and, when not the resource's item, its schema. */
interface Answer {
  answer: string;
  returns?: StandardSchemaV1;
}

type ParentCheck<Path> = Path extends NestedPath ? [ParamCheck<Path['parent']>] : [];
type ItemParams<Path> = Path extends NestedPath ? Path['item'] : typeof IdParam;

/**
 * The specs of one staff resource's routes (`*.routes.ts`): each is the route's OpenAPI description, its role guard
 * and its validators, in that order, for `handle(...spec, handler)`. Every kind answers its usual responses and
 * errors, so a route states only its summary and what is its own: `list` and `get` need nothing.
 */
export function resourceRoutes<
  // One type parameter per validated schema, so each route's validator keeps its schema's own input and output types.
  ListQuery extends StandardSchemaV1,
  CreateBody extends StandardSchemaV1,
  UpdateBody extends StandardSchemaV1,
  Path extends NestedPath | undefined = undefined,
>(resource: Resource<ResourceSchemas<ListQuery, CreateBody, UpdateBody>, Path>) {
  const { one, many = `${one}s`, guard, schemas, unique = [], path } = resource;
  // The casts state at the type level what the ternaries decide at run time, from the same `path`.
  const parentCheck = (path ? [validate('param', path.parent)] : []) as ParentCheck<Path>;
  const itemParams = (path ? path.item : IdParam) as ItemParams<Path>;
  const parentErrors: ErrorCode[] = path ? ['NOT_FOUND'] : [];
  const conflictOn = (write: 'create' | 'update'): ErrorCode[] => (unique.includes(write) ? ['CONFLICT'] : []);

  /** A route of this resource with the given responses and errors, guarded, then validated by `validators`. */
  function operation<const Validators extends MiddlewareHandler[]>(
    summary: string,
    { description, guard: own = guard }: Details,
    responses: Responses,
    errors: ErrorCode[],
    ...validators: Validators
  ) {
    const describe = describeStaffRoute({
      tags: [resource.tag ?? many],
      summary,
      ...(description ? { description } : {}),
      responses,
      errors,
    });
    return [describe, own(), ...validators] as const;
  }

  return {
    /** `GET /`: a page of the resource, filtered by its list query ("List {many}" unless it says otherwise). */
    list: ({ summary = `List ${many}`, ...details }: Details & { summary?: string } = {}) =>
      operation(
        summary,
        details,
        { 200: jsonResponse(`A page of ${many}`, schemas.Page) },
        [...parentErrors, 'VALIDATION_FAILED'],
        ...parentCheck,
        validate('query', schemas.ListQuery),
      ),

    /** `GET /:id`: one item ("One {one}", answered as "The {what}", unless it says otherwise), or 404. */
    get: ({
      summary = `One ${one}`,
      what = one,
      returns = schemas.Item,
      ...details
    }: Details & { summary?: string; what?: string; returns?: StandardSchemaV1 } = {}) =>
      operation(
        summary,
        details,
        { 200: jsonResponse(`The ${what}`, returns) },
        ['NOT_FOUND', 'VALIDATION_FAILED'],
        validate('param', itemParams),
      ),

    /** `POST /`: creates one from the body; 201 with `answer`. */
    create: (summary: string, { answer, returns = schemas.Item, ...details }: Details & Answer) =>
      operation(
        summary,
        details,
        { 201: jsonResponse(answer, returns) },
        [...parentErrors, 'VALIDATION_FAILED', 'BAD_REQUEST', ...conflictOn('create')],
        ...parentCheck,
        validate('json', required(schemas.CreateBody, 'CreateBody')),
      ),

    /** `PATCH /:id`: changes the fields the body sends, or 404. */
    update: (summary: string, { returns = schemas.Item, ...details }: Details & { returns?: StandardSchemaV1 } = {}) =>
      operation(
        summary,
        details,
        { 200: jsonResponse('Updated', returns) },
        ['NOT_FOUND', 'VALIDATION_FAILED', 'BAD_REQUEST', ...conflictOn('update')],
        validate('param', itemParams),
        validate('json', required(schemas.UpdateBody, 'UpdateBody')),
      ),

    /** `DELETE /:id`: removes the item (204), or 404; `errors`: what else it may refuse (a 409 while in use). */
    remove: (summary: string, { errors = [], ...details }: Details & { errors?: ErrorCode[] } = {}) =>
      operation(
        summary,
        details,
        { 204: { description: 'Removed' } },
        ['NOT_FOUND', 'VALIDATION_FAILED', ...errors],
        validate('param', itemParams),
      ),

    /**
     * A change of state of one item (`POST /:id/<verb>`, or a `DELETE` that keeps the row): 200 with `answer`, 404,
     * and 409 when `conflict` says the item can already be in the state asked for.
     */
    action: (
      summary: string,
      { answer, returns = schemas.Item, conflict, ...details }: Details & Answer & { conflict?: boolean },
    ) =>
      operation(
        summary,
        details,
        { 200: jsonResponse(answer, returns) },
        ['NOT_FOUND', 'VALIDATION_FAILED', ...(conflict ? (['CONFLICT'] as const) : [])],
        validate('param', itemParams),
      ),
    /**
     * `POST /:id/<verb>` with a JSON body: a command on one item (acknowledge, resolve, add a note). `created`: it
     * makes a new thing (201), else 200; `errors`: what it may refuse besides a missing item and a bad body.
     */
    command: <Body extends StandardSchemaV1>(
      summary: string,
      body: Body,
      {
        answer,
        returns = schemas.Item,
        created = false,
        errors = [],
        ...details
      }: Details & Answer & { created?: boolean; errors?: ErrorCode[] },
    ) =>
      operation(
        summary,
        details,
        { [created ? 201 : 200]: jsonResponse(answer, returns) },
        ['NOT_FOUND', 'VALIDATION_FAILED', ...errors],
        validate('param', itemParams),
        validate('json', body),
      ),
  };
}

/** A body schema a resource must export for the kind that validates it. */
function required<Schema extends StandardSchemaV1>(schema: Schema | undefined, name: string): Schema {
  if (!schema) throw new Error(`resourceRoutes: the resource's schemas export no ${name}`);
  return schema;
}
