import fc from 'fast-check';

/**
 * fast-check arbitraries for API operations, generated from their OpenAPI (JSON Schema) description — the same
 * document `/openapi.json` serves, generated from the valibot schemas that validate requests. Values are mostly
 * valid-shaped, so requests get past validation into the handlers and the database, and mixed with hostile ones:
 * NUL, unpaired surrogates, emoji, 10,000-character strings, numbers JSON.stringify cannot write (1e400, -0), dates
 * that do not exist or that PostgreSQL cannot hold, unknown keys with odd names. Test support only.
 */

export interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

/** Ids the generators mix into uuid fields, so requests reach rows that exist (own and other organisation). */
export interface KnownIds {
  ids: string[];
}

/** A number written into the JSON text as is: `1e400` parses to Infinity, which JSON.stringify cannot produce. */
const RAW_NUMBER = /"@@raw:([^@"]+)@@"/g;
const raw = (text: string) => `@@raw:${text}@@`;

/** JSON text of a generated value, with the raw numbers spliced in. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value).replace(RAW_NUMBER, '$1');
}

/** Every UTF-16 unit, NUL and lone surrogates included. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'Kim\u0000',
    '\ud800',
    'x\udfff',
    'a\ud83d',
    '\ude00b',
    '😀',
    '👩‍👩‍👧‍👦',
    'x'.repeat(10_000),
    '😀'.repeat(5_000),
    '',
    ' ',
    '%_\\',
    "'; drop table residents; --",
    '__proto__',
    'constructor',
    '\u202e\ufeff',
    'null',
    '-0',
    '1e400',
  ),
  fc.string({ unit: anyUnit, maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

const oddDates = [
  '0000-01-01',
  '0001-01-01',
  '9999-12-31',
  '2026-02-30',
  '2023-02-29',
  '2024-02-29',
  '1900-02-29',
  '2026-04-31',
  '2026-13-01',
  '2026-00-10',
  '+275760-09-13',
  '-000001-01-01',
];
const oddDateTimes = [
  '0000-01-01T10:00:00Z',
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00+01:00',
  '9999-12-31T23:59:59Z',
  '9999-12-31T23:00:00-14:00',
  '2026-02-30T10:00:00Z',
  '2024-02-29T12:00:00.123456789+09:00',
  '2026-01-01T10:00:00+09',
  '2026-01-01 10:00:00+0900',
  '2026-01-01T24:00:00Z',
  '2026-01-01T10:00:60Z',
  '2026-01-01T10:00:00',
  '+275760-09-13T00:00:00.000Z',
];
const DAY_MS = 86_400_000;

const dateText = fc.oneof(
  fc.constantFrom(...oddDates),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10)),
  fc.integer({ min: -36_500, max: 400 }).map((days) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10)),
);
const dateTimeText = fc.oneof(
  fc.constantFrom(...oddDateTimes),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  // Near now, so time ranges (timeline, grant expiry) are often valid and reach the database.
  fc.integer({ min: -40 * DAY_MS, max: 40 * DAY_MS }).map((offset) => new Date(Date.now() + offset).toISOString()),
);

const oddNumbers = fc.constantFrom(
  raw('1e400'),
  raw('-1e400'),
  raw('-0'),
  raw('1e-400'),
  raw('9007199254740993'),
  raw('123456789012345678901234567890'),
  0,
  -1,
  2 ** 31,
  2 ** 53,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  0.1,
);

function validString(schema: JsonSchema, known: KnownIds): fc.Arbitrary<string> {
  if (schema.enum) return fc.constantFrom(...(schema.enum as string[]));
  switch (schema.format) {
    case 'uuid':
      return known.ids.length > 0 ? fc.oneof(fc.constantFrom(...known.ids), fc.uuid()) : fc.uuid();
    case 'date':
      return dateText;
    case 'date-time':
      return dateTimeText;
    case 'email':
      return fc.emailAddress();
    case 'ipv4':
      return fc.ipV4();
  }
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
  const minLength = schema.minLength ?? 0;
  return fc.string({ minLength, maxLength: Math.min(schema.maxLength ?? 40, minLength + 40) });
}

function stringFor(schema: JsonSchema, known: KnownIds): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: validString(schema, known), weight: 4 }, { arbitrary: hostileString, weight: 1 });
}

function numberFor(schema: JsonSchema, integer: boolean): fc.Arbitrary<unknown> {
  const min = schema.minimum ?? -1e6;
  const max = schema.maximum ?? Math.max(min + 1e6, 1e6);
  const valid = integer
    ? fc.integer({ min: Math.ceil(Math.max(min, -(2 ** 31))), max: Math.floor(Math.min(max, 2 ** 31)) })
    : fc.double({ min, max, noNaN: true });
  return fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: oddNumbers, weight: 1 }, fc.double());
}

/** Extra keys a strict body must refuse by name, some of them text PostgreSQL cannot store. */
const oddKeys = fc.dictionary(
  fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'a\u0000b', '\ud800'), hostileString),
  fc.jsonValue({ maxDepth: 1 }),
  { maxKeys: 2 },
);

function objectFor(schema: JsonSchema, known: KnownIds): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, property] of Object.entries(properties)) model[key] = arbitraryFor(property, known);
  const required = schema.required ?? [];
  const shaped = fc.record(model, { requiredKeys: required });
  return fc.oneof(
    { arbitrary: shaped, weight: 8 },
    // A required field missing, or unknown keys beside the known ones.
    { arbitrary: fc.record(model, { requiredKeys: [] }), weight: 1 },
    {
      arbitrary: fc.tuple(shaped, oddKeys).map(([value, extra]) => Object.assign({}, value as object, extra)),
      weight: 1,
    },
  );
}

/** An arbitrary value shaped by the schema, with hostile leaves. */
export function arbitraryFor(schema: JsonSchema, known: KnownIds): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => arbitraryFor(alternative, known)));
  if (schema.allOf?.[0]) return arbitraryFor(schema.allOf[0], known);
  if (schema.enum) {
    return fc.oneof({ arbitrary: fc.constantFrom(...schema.enum), weight: 4 }, { arbitrary: hostileString, weight: 1 });
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringFor(schema, known);
    case 'integer':
      return numberFor(schema, true);
    case 'number':
      return numberFor(schema, false);
    case 'boolean':
      return fc.oneof({ arbitrary: fc.boolean(), weight: 8 }, fc.constantFrom('true', 1, null));
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = arbitraryFor(schema.items ?? {}, known);
      const minLength = schema.minItems ?? 0;
      return fc.array(items, { minLength, maxLength: Math.min((schema.maxItems ?? 4) + 1, minLength + 4) });
    }
    case 'object':
      return objectFor(schema, known);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A query or path value: parameters arrive as text, so numbers and booleans are written out. */
export function parameterFor(schema: JsonSchema, known: KnownIds): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: arbitraryFor(schema, known).map((value) => String(value).replace(RAW_NUMBER, '$1')), weight: 4 },
    fc.constantFrom('1e400', '-0', 'NaN', 'Infinity', '0x10', ' 7', '99999999999999999999', '', 'true'),
    hostileString,
  );
}

/**
 * Percent-encodes any JavaScript string, lone surrogates included (as their WTF-8 bytes, which the server cannot
 * decode as UTF-8 and keeps as they are), where `encodeURIComponent` would throw.
 */
export function encodeComponent(text: string): string {
  let encoded = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (/[A-Za-z0-9\-_.~]/.test(char)) {
      encoded += char;
      continue;
    }
    const bytes =
      code < 0x80
        ? [code]
        : code < 0x800
          ? [0xc0 | (code >> 6), 0x80 | (code & 63)]
          : code < 0x10000
            ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63)]
            : [0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63)];
    encoded += bytes.map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return encoded;
}
