/** The malformed inputs every write and read must refuse with a problem, built from the API's own OpenAPI shapes. */
import { plausible, propertiesOf, type Json, type OpenApiDocument, type Operation, type Schema } from './openapi.js';

export interface BodyCase {
  label: string;
  /** Sent as JSON text; a string so that keys such as __proto__ reach the server as written. */
  json: string;
}

/** Ids in the ledger are slugs; these are not. */
export const BAD_IDS: readonly string[] = [
  '',
  'Hangzhou',
  'han zhou',
  'a\u0000b',
  'a\u001fb',
  '../../etc/passwd',
  'a/b',
  '\u202ehangzhou',
  '杭州',
  '🌊-city',
  '-leading-dash',
  'x'.repeat(64),
  'x'.repeat(10_000),
];

/** Amounts are non-negative decimal strings within the currency's minor unit. */
export const BAD_AMOUNTS: readonly Json[] = ['1.123456789', '-5.00', '1e3', '1e309', 'NaN', 'Infinity', '-0', ' 1', '1.', '.5', '0x10', '١٢٣', '9'.repeat(40), '', 1.5, 1e308];

/** Instants are ISO-8601 UTC; these are other formats, impossible dates, or outside any sane calendar. */
export const BAD_INSTANTS: readonly Json[] = [
  '2025-03-01',
  '2025-03-01T08:00:00+08:00',
  '2025-03-01 08:00:00',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '2025-13-45T99:99:99Z',
  '2025-02-30T00:00:00Z',
  'yesterday',
  1_740_000_000_000,
];

/** Values of every JSON type but a string's, and some garbage a parser or a validator might choke on. */
const wrongTypes = (schema: Schema): { label: string; value: Json }[] => {
  const nested: Json = { a: [{ b: { c: [[[{ d: null }]]] } }], e: '\u0000' };
  const cases: { label: string; value: Json }[] = [
    { label: 'an array', value: [] },
    { label: 'nested garbage', value: nested },
    { label: 'a boolean', value: true },
    { label: 'an array of garbage', value: [nested, 1, null, 'x'] },
  ];
  if (schema.type !== 'number') cases.push({ label: 'a number', value: 12_345 });
  if (schema.type === 'number') cases.push({ label: 'a numeric string', value: '12' }, { label: 'a huge number', value: 1e300 });
  // Ten times the longest text any DTO allows (2 000): long enough to break every MaxLength, cheap enough to send often.
  if (schema.type === 'string' || schema.type === undefined) cases.push({ label: 'a long string', value: 'x'.repeat(20_000) });
  if (schema.type !== 'object' && schema.type !== 'array' && schema.properties === undefined) cases.push({ label: 'an object', value: {} });
  return cases;
};

const INSTANT_NAME = /(At|From|Until)$/;
const AMOUNT_NAME = /^(amount|quantity|verifiedAmount|avertedLoss)$/;
const ID_NAME = /(Id|^id|^obligor|^truster|^trustee|^reverses|^cityId)$/;
const ID_LIST_NAME = /^(members|parties|originCities|affectedCities)$/;

type Path = readonly string[];

function setAt(body: Json, path: Path, value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const [head, ...rest] = path;
  const copy: { [key: string]: Json } = { ...body };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
  } else {
    copy[head] = setAt(copy[head] ?? {}, rest, value);
  }
  return copy;
}

/** Walks an object schema (and its object-valued properties, one level down) yielding each field's path. */
function fieldsOf(doc: OpenApiDocument, schema: Schema, prefix: Path = [], depth = 0): { path: Path; schema: Schema; required: boolean }[] {
  const out: { path: Path; schema: Schema; required: boolean }[] = [];
  for (const field of propertiesOf(doc, schema)) {
    const path = [...prefix, field.name];
    out.push({ path, schema: field.schema, required: field.required });
    if (depth < 1 && field.schema.properties !== undefined) out.push(...fieldsOf(doc, field.schema, path, depth + 1));
  }
  return out;
}

/** Every malformed variant of one write's body; each breaks exactly one rule of the DTO, so each must be refused. */
export function bodyCases(doc: OpenApiDocument, schema: Schema): BodyCase[] {
  const base = plausible(doc, schema);
  const withKey = (name: string, value: Json): string => `${JSON.stringify(base).slice(0, -1)},${JSON.stringify(name)}:${JSON.stringify(value)}}`;
  const firstKey = base !== null && typeof base === 'object' && !Array.isArray(base) ? Object.keys(base)[0] : undefined;
  const cases: { label: string; body: Json }[] = [{ label: 'an empty object', body: {} }];
  const raw: BodyCase[] = [
    { label: 'an unknown field', json: withKey('unexpectedField', 'x') },
    // JSON.parse keeps the last of two equal keys: the second, an object, must not slip past the first's rules.
    { label: 'a duplicated key', json: withKey(firstKey ?? 'x', { duplicate: true }) },
  ];
  const firstText = fieldsOf(doc, schema).find((f) => f.schema.type === 'string' && f.schema.enum === undefined);
  if (firstText !== undefined) cases.push({ label: `${firstText.path.join('.')} is a string just under the body limit`, body: setAt(base, firstText.path, 'x'.repeat(250_000)) });
  for (const field of fieldsOf(doc, schema)) {
    const name = field.path[field.path.length - 1];
    const where = field.path.join('.');
    if (field.required) cases.push({ label: `${where} missing`, body: setAt(base, field.path, undefined) });
    // class-validator's @IsOptional lets null through as "absent", which is a fair reading of an optional field.
    if (field.required && field.schema.nullable !== true) cases.push({ label: `${where} null`, body: setAt(base, field.path, null) });
    for (const wrong of wrongTypes(field.schema)) {
      if (field.schema.additionalProperties !== undefined && wrong.label === 'an object') continue;
      cases.push({ label: `${where} is ${wrong.label}`, body: setAt(base, field.path, wrong.value) });
    }
    if (ID_NAME.test(name) && field.schema.type === 'string') {
      for (const id of BAD_IDS) cases.push({ label: `${where} = ${JSON.stringify(id.slice(0, 20))}`, body: setAt(base, field.path, id) });
    }
    if (ID_LIST_NAME.test(name)) {
      for (const id of BAD_IDS) cases.push({ label: `${where} holds ${JSON.stringify(id.slice(0, 20))}`, body: setAt(base, field.path, [id]) });
      cases.push({ label: `${where} holds 10 000 ids`, body: setAt(base, field.path, Array.from({ length: 10_000 }, (_, i) => `city-${i}`)) });
    }
    if (AMOUNT_NAME.test(name)) {
      for (const amount of BAD_AMOUNTS) cases.push({ label: `${where} = ${JSON.stringify(amount)}`, body: setAt(base, field.path, amount) });
    }
    if (INSTANT_NAME.test(name) && (field.schema.type === 'string' || field.schema.type === undefined)) {
      for (const instant of BAD_INSTANTS) cases.push({ label: `${where} = ${JSON.stringify(instant)}`, body: setAt(base, field.path, instant) });
    }
  }
  return [...raw, ...cases.map((c) => ({ label: c.label, json: JSON.stringify(c.body) }))];
}

export interface QueryCase {
  label: string;
  query: Record<string, string>;
}

/** Malformed values for the query parameters whose shape the API defines. */
export function queryCases(op: Operation): QueryCase[] {
  const cases: QueryCase[] = [];
  const add = (name: string, values: readonly string[]): void => {
    for (const value of values) cases.push({ label: `${name}=${JSON.stringify(value.slice(0, 30))}`, query: { [name]: value } });
  };
  for (const param of op.query) {
    const { name, schema } = param;
    if (name === 'limit') add(name, ['0', '501', '-1', 'abc', '1.5', '1e3', '', 'NaN', '9'.repeat(30)]);
    else if (name === 'cursor') add(name, ['garbage', '!!!', 'W10', Buffer.from('[1]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url'), 'x'.repeat(600)]);
    else if (name === 'atLeast') add(name, ['garbage', '-1', '1.5', '1e3', '9'.repeat(25), '0x10', ' 1']);
    else if (name === 'asOf' || name === 'from' || name === 'to' || name === 'dueFrom' || name === 'dueTo' || name === 'occurredFrom' || name === 'occurredTo') {
      // The audit log's from/to are positions, the trust series' and the commitments' are instants: garbage is garbage to both.
      add(name, ['garbage', '2025-13-45T99:99:99Z', '0000-00-00T00:00:00Z', '-1', '1e309', 'x'.repeat(600)]);
    } else if (name === 'position' || name === 'treeSize' || name === 'after') add(name, ['garbage', '-1', '1.5', '9'.repeat(25)]);
    else if (schema?.enum !== undefined) add(name, ['not-a-member', '', 'x'.repeat(600)]);
  }
  return cases;
}

/**
 * Query strings whose parameters arrive as arrays or objects (`?p=a&p=b`, `?p[k]=v`): repeated names arrive as an
 * array and a query parser may build objects from brackets, so a handler that takes a parameter for a string must be
 * protected by its DTO, whatever the HTTP layer. Raw strings, so nothing re-encodes them.
 */
export function queryShapeCases(op: Operation): { label: string; query: string }[] {
  return op.query.flatMap(({ name }) => [
    { label: `${name} given twice`, query: `${name}=a-city&${name}=b-city` },
    { label: `${name} as an object`, query: `${name}[k]=a-city` },
    { label: `${name} as an array`, query: `${name}[]=1` },
  ]);
}

/** Path values that are not slugs, including encoded traversal and malformed percent-encoding. */
export const BAD_PATH_SEGMENTS: readonly string[] = ['Hangzhou', 'han%20zhou', '..%2F..%2Fhealth', '%2e%2e', '..%252f..%252fhealth', 'a%00b', '%E2%80%AEx', '%C0%AE', '%', '%zz', 'x'.repeat(300), '%F0%9F%8C%8A'];
