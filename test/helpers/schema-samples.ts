/**
 * Values that a JSON Schema (as zod-to-openapi writes it: OpenAPI 3 flavour) accepts, at its
 * boundaries: the smallest (required properties only, shortest strings, minimum numbers, the
 * first enum value, the fewest items) and the largest (every property, longest strings,
 * maximum numbers, the last enum value, the most items). Formats get a value of their kind;
 * a pattern gets the sample the caller names for the field, or none (the schema is then not
 * sampled: a guess that misses the pattern would be an invalid request, not a valid one).
 */

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  nullable?: boolean;
  additionalProperties?: boolean | JsonSchema;
  default?: unknown;
}

export type Boundary = 'smallest' | 'largest';

/** Thrown inside sampling when a schema has no value this generator can vouch for. */
class Unsamplable extends Error {}

export interface SampleOptions {
  /** Resolves a `$ref` to its schema. */
  resolve(ref: string): JsonSchema | undefined;
  /** A value for a field by name (ids of real fixtures, or values fitting a pattern). */
  known?: Record<string, unknown>;
  /** The longest string produced (a schema's maxLength above it is capped). */
  maxString?: number;
  /** The most array items produced. */
  maxItems?: number;
}

/** A value of `schema` at `boundary`, or undefined when none can be vouched for. */
export function sample(
  schema: JsonSchema,
  boundary: Boundary,
  options: SampleOptions,
): unknown | undefined {
  try {
    return valueOf(schema, boundary, options, undefined, 0);
  } catch (err) {
    if (err instanceof Unsamplable) return undefined;
    throw err;
  }
}

function valueOf(
  input: JsonSchema,
  boundary: Boundary,
  options: SampleOptions,
  field: string | undefined,
  depth: number,
): unknown {
  if (depth > 12) throw new Unsamplable('too deep');
  const schema = input.$ref ? options.resolve(input.$ref) : input;
  if (!schema) throw new Unsamplable(`unknown ${input.$ref}`);
  if (field !== undefined && options.known && field in options.known) return options.known[field];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return boundary === 'smallest' ? schema.enum[0] : schema.enum.at(-1);
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices) {
    const ordered = boundary === 'smallest' ? choices : [...choices].reverse();
    for (const choice of ordered) {
      try {
        return valueOf(choice, boundary, options, field, depth + 1);
      } catch (err) {
        if (!(err instanceof Unsamplable)) throw err;
      }
    }
    throw new Unsamplable('no choice');
  }
  if (schema.allOf) {
    const parts = schema.allOf.map((s) => valueOf(s, boundary, options, field, depth + 1));
    return parts.every((p) => p && typeof p === 'object' && !Array.isArray(p))
      ? Object.assign({}, ...(parts as object[]))
      : parts[0];
  }
  const types = [schema.type ?? (schema.properties ? 'object' : undefined)].flat();
  const type = types.find((t) => t !== 'null');
  switch (type) {
    case 'object':
      return objectOf(schema, boundary, options, depth);
    case 'array': {
      const item = schema.items ?? {};
      const cap = options.maxItems ?? 3;
      const wanted =
        boundary === 'smallest'
          ? (schema.minItems ?? 0)
          : Math.min(schema.maxItems ?? cap, Math.max(cap, schema.minItems ?? 0));
      if (wanted === 0) return [];
      const first = valueOf(item, boundary, options, undefined, depth + 1);
      // Items of a set must differ: plain strings get an index; anything else comes once.
      const plain = typeof first === 'string' && !item.format && !item.pattern && !item.enum;
      if (!plain) return [first];
      return Array.from({ length: wanted }, (_, i) =>
        i === 0 ? first : `${(first as string).slice(0, -String(i).length)}${i}`,
      );
    }
    case 'string':
      return stringOf(schema, boundary, options);
    case 'integer':
    case 'number': {
      const step = type === 'integer' ? 1 : 0.5;
      const low =
        typeof schema.exclusiveMinimum === 'number'
          ? schema.exclusiveMinimum + step
          : (schema.minimum ?? 0) + (schema.exclusiveMinimum === true ? step : 0);
      const high =
        typeof schema.exclusiveMaximum === 'number'
          ? schema.exclusiveMaximum - step
          : schema.maximum !== undefined
            ? schema.maximum - (schema.exclusiveMaximum === true ? step : 0)
            : Math.max(low, 1000);
      return boundary === 'smallest' ? low : high;
    }
    case 'boolean':
      return boundary === 'largest';
    case undefined:
      return boundary === 'smallest' ? 'x' : { any: 'value' };
    default:
      throw new Unsamplable(`type ${type}`);
  }
}

function objectOf(
  schema: JsonSchema,
  boundary: Boundary,
  options: SampleOptions,
  depth: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (boundary === 'smallest' && !required.has(name)) continue;
    try {
      out[name] = valueOf(property, boundary, options, name, depth + 1);
    } catch (err) {
      // An optional field without a value that can be vouched for is left out.
      if (!(err instanceof Unsamplable) || required.has(name)) throw err;
    }
  }
  return out;
}

function stringOf(schema: JsonSchema, boundary: Boundary, options: SampleOptions): string {
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? 200, options.maxString ?? 10_000);
  switch (schema.format) {
    case 'email': {
      // The local part may hold 64 characters at most, whatever the field's length.
      const id = Date.now().toString(36);
      return boundary === 'smallest'
        ? `b${id}@example.test`
        : `${'b'.repeat(Math.min(64 - id.length - 1, Math.max(1, max - 30)))}.${id}@example.test`;
    }
    case 'uri':
    case 'url':
      return boundary === 'smallest'
        ? 'https://example.test/'
        : `https://example.test/${'p'.repeat(Math.max(0, Math.min(max, 2000) - 21))}`;
    case 'date-time':
      return new Date(Date.now() + (boundary === 'smallest' ? 60_000 : 86_400_000)).toISOString();
    case 'date':
      return new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    case undefined:
      break;
    default:
      throw new Unsamplable(`format ${schema.format}`);
  }
  if (schema.pattern) throw new Unsamplable('pattern');
  const length = boundary === 'smallest' ? Math.max(min, 1) : max;
  return 'v'.repeat(length);
}
