import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ValidationTargets } from 'hono';
import { validator } from 'hono-openapi';
import type { AppEnv } from './context';
import { ApiError, type FieldError } from './problem';
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPaths } from './storable-text';

const targetNames: Partial<Record<keyof ValidationTargets, string>> = { json: 'body', param: 'path', query: 'query' };

/** Turns Standard Schema issues into per-field messages prefixed by where the value came from. */
export function fieldErrors(target: keyof ValidationTargets, issues: readonly StandardSchemaV1.Issue[]): FieldError[] {
  const prefix = targetNames[target] ?? target;
  return issues.map((issue) => {
    const path = (issue.path ?? []).map((segment) =>
      typeof segment === 'object' && segment !== null ? String(segment.key) : String(segment),
    );
    // valibot reports a key a strict object does not know as "expected never"; say it plainly.
    const unknownKey = 'expected' in issue && issue.expected === 'never';
    return { field: [prefix, ...path].join('.'), message: unknownKey ? 'is not a known field' : issue.message };
  });
}

/**
 * valibot validation of one request part that also documents it in OpenAPI; failures become a 422
 * problem+json listing every bad field. Text PostgreSQL cannot store anywhere in the part — values and object keys
 * at any depth, fields no schema names included — is a 400 first, like a body that is not JSON: it is checked on
 * the raw input, so no route can forget it.
 */
export function validate<Schema extends StandardSchemaV1, Target extends keyof ValidationTargets>(
  target: Target,
  schema: Schema,
) {
  return validator<Schema, Target, AppEnv, string>(target, schema, (result) => {
    const unstorable = unstorableTextPaths(result.data);
    if (unstorable.length > 0) {
      const prefix = targetNames[target] ?? target;
      throw new ApiError({
        code: 'BAD_REQUEST',
        detail: `The request ${prefix} holds text that cannot be stored`,
        errors: unstorable.map((path) => ({ field: [prefix, ...path].join('.'), message: UNSTORABLE_TEXT_MESSAGE })),
      });
    }
    if (!result.success) {
      throw new ApiError({
        code: 'VALIDATION_FAILED',
        detail: `The request ${targetNames[target] ?? target} is invalid`,
        errors: fieldErrors(target, result.error),
      });
    }
  });
}
