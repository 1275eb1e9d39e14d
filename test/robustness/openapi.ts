/** Reads the API's own OpenAPI document: its operations, and a plausible body for each write to break. */

export interface Schema {
  $ref?: string;
  type?: string;
  enum?: readonly unknown[];
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: readonly string[];
  items?: Schema;
  allOf?: readonly Schema[];
  additionalProperties?: boolean | Schema;
  nullable?: boolean;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema?: Schema;
}

interface OperationObject {
  parameters?: readonly Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: readonly unknown[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, Schema> };
}

export interface Operation {
  method: 'get' | 'post';
  /** The OpenAPI path template, e.g. /commitments/{commitmentId}/deliveries. */
  template: string;
  pathParams: string[];
  query: Parameter[];
  body: Schema | null;
  /** Declared with `security: []`: callable without a token. */
  public: boolean;
}

/** Most nested schemas a body is built through: the DTOs are at most four deep. */
const MAX_DEPTH = 6;

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (method !== 'get' && method !== 'post') throw new Error(`unexpected method ${method} on ${template}: extend the fuzzer`);
      const parameters = op.parameters ?? [];
      out.push({
        method,
        template,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query'),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
        public: Array.isArray(op.security) && op.security.length === 0,
      });
    }
  }
  return out;
}

export function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; depth < MAX_DEPTH; depth += 1) {
    if (current.$ref !== undefined) {
      const name = current.$ref.replace('#/components/schemas/', '');
      const target = doc.components.schemas[name];
      if (target === undefined) throw new Error(`unresolved ${current.$ref}`);
      current = target;
    } else if (current.allOf !== undefined && current.allOf.length === 1) {
      current = { ...current, ...current.allOf[0], allOf: undefined };
    } else {
      return current;
    }
  }
  throw new Error('schema references nest too deep');
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A body shaped like the schema: examples where given, the first enum value, else a slug or a small number. */
export function plausible(doc: OpenApiDocument, schema: Schema, depth = 0): Json {
  const s = resolve(doc, schema);
  if (depth > MAX_DEPTH) return null;
  if (s.example !== undefined) return s.example as Json;
  if (s.enum !== undefined && s.enum.length > 0) return s.enum[0] as Json;
  if (s.type === 'array') return s.items === undefined ? [] : [plausible(doc, s.items, depth + 1)];
  if (s.type === 'number' || s.type === 'integer') return 1;
  if (s.type === 'boolean') return true;
  if (s.type === 'object' || s.properties !== undefined) {
    const out: Record<string, Json> = {};
    for (const [key, child] of Object.entries(s.properties ?? {})) out[key] = plausible(doc, child, depth + 1);
    return out;
  }
  return 'fuzz-value';
}

/** Properties of an object schema with their resolved schemas. */
export function propertiesOf(doc: OpenApiDocument, schema: Schema): { name: string; schema: Schema; required: boolean }[] {
  const s = resolve(doc, schema);
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {}).map(([name, child]) => ({ name, schema: resolve(doc, child), required: required.has(name) }));
}
