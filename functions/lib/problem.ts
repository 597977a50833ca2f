import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error the API can answer with; the status map and the OpenAPI error responses derive from this list. */
export const errorCodes = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 422,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof errorCodes;

const titles: Record<ErrorCode, string> = {
  BAD_REQUEST: 'Bad request',
  VALIDATION_FAILED: 'Validation failed',
  UNAUTHORIZED: 'Authentication required',
  FORBIDDEN: 'Forbidden',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  REQUEST_TIMEOUT: 'Request timeout',
  CONFLICT: 'Conflict',
  GONE: 'Gone',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  RANGE_NOT_SATISFIABLE: 'Range not satisfiable',
  RATE_LIMITED: 'Too many requests',
  HEADERS_TOO_LARGE: 'Request header fields too large',
  INTERNAL: 'Internal server error',
  UNAVAILABLE: 'Service unavailable',
};

/** A per-field message, as in RFC 9457's "invalid-params" extension. */
export interface FieldError {
  /** Dotted path into the input, prefixed by where it came from: `body.email`, `query.limit`. */
  field: string;
  message: string;
}

/** RFC 9457 problem details body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  /** A conflict's answer: the resource's state as it is now (e.g. an alert someone else acknowledged first). */
  current?: Record<string, unknown>;
}

export interface ApiErrorOptions {
  code: ErrorCode;
  detail: string;
  errors?: FieldError[];
  current?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

/** The one error type handlers throw; `onError` turns it into problem+json. */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly errors?: FieldError[];
  readonly current?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor({ code, detail, errors, current, headers, cause }: ApiErrorOptions) {
    super(errorCodes[code], { message: detail, cause });
    this.code = code;
    this.detail = detail;
    this.errors = errors;
    this.current = current;
    this.headers = headers;
  }
}

export function problemFor(code: ErrorCode, detail: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: `https://carewatch.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: titles[code],
    status: errorCodes[code],
    detail,
    code,
    ...extra,
  };
}

/** Maps a bare HTTP status (from Hono's own HTTPExceptions, e.g. bodyLimit) to our code list. */
export function codeForStatus(status: number): ErrorCode {
  const found = (Object.entries(errorCodes) as [ErrorCode, number][]).find(([, value]) => value === status);
  if (found) return found[0];
  return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
}
