import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ValidationTargets } from 'hono';
import { validator } from 'hono-openapi';
import type { AppEnv } from './context';
import { ApiError, type FieldError } from './problem';

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
 * problem+json listing every bad field.
 */
export function validate<Schema extends StandardSchemaV1, Target extends keyof ValidationTargets>(
  target: Target,
  schema: Schema,
) {
  return validator<Schema, Target, AppEnv, string>(target, schema, (result) => {
    if (!result.success) {
      throw new ApiError({
        code: 'VALIDATION_FAILED',
        detail: `The request ${targetNames[target] ?? target} is invalid`,
        errors: fieldErrors(target, result.error),
      });
    }
  });
}
