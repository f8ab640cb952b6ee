/** The boundary sampler of test/api/boundary-input.test.ts gives values its schema accepts. */
import { sample, type JsonSchema } from '../helpers/schema-samples';

const resolve = (ref: string): JsonSchema | undefined =>
  ref === '#/components/schemas/Name' ? { type: 'string', minLength: 2, maxLength: 5 } : undefined;

describe('schema samples', () => {
  const schema: JsonSchema = {
    type: 'object',
    required: ['name', 'count'],
    properties: {
      name: { $ref: '#/components/schemas/Name' },
      count: { type: 'integer', minimum: 1, maximum: 10 },
      kind: { type: 'string', enum: ['a', 'b', 'c'] },
      tags: { type: 'array', items: { type: 'string', maxLength: 3 }, maxItems: 2 },
      email: { type: 'string', format: 'email', maxLength: 254 },
      code: { type: 'string', pattern: '^[A-Z]{3}$' },
    },
  };

  it('gives the smallest value: required fields at their lower bounds', () => {
    expect(sample(schema, 'smallest', { resolve })).toEqual({ name: 'vv', count: 1 });
  });

  it('gives the largest value: every field it can vouch for, at its upper bounds', () => {
    const value = sample(schema, 'largest', { resolve }) as Record<string, unknown>;
    expect(value).toMatchObject({ name: 'vvvvv', count: 10, kind: 'c', tags: ['vvv', 'vv1'] });
    expect(String(value.email).split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(value).not.toHaveProperty('code'); // an optional pattern is left out
  });

  it('gives nothing for a required field it cannot vouch for, and uses known values', () => {
    const coded: JsonSchema = { ...schema, required: ['code'] };
    expect(sample(coded, 'smallest', { resolve })).toBeUndefined();
    expect(sample(coded, 'smallest', { resolve, known: { code: 'ABC' } })).toEqual({
      code: 'ABC',
    });
  });
});
