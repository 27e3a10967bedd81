import { MAX_JSON_DEPTH, jsonShapeError } from './json-shape';

const nested = (levels: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let level = 0; level < levels; level += 1) value = { a: value };
  return value;
};

describe('jsonShapeError', () => {
  it('accepts the nesting and the text of a real event', () => {
    const deal = {
      type: 'deal_won',
      data: { lines: [{ lineNo: 1, quantity: '2' }], contact: { lastName: 'Müller 😀 李' } },
    };
    expect(jsonShapeError(deal)).toBeNull();
    expect(jsonShapeError(nested(MAX_JSON_DEPTH))).toBeNull();
  });

  it('names where a body goes deeper than the limit', () => {
    expect(jsonShapeError({ data: nested(MAX_JSON_DEPTH) })?.field).toBe(
      `data${'.a'.repeat(MAX_JSON_DEPTH - 1)}`,
    );
    expect(jsonShapeError({ data: { lines: [[[[1]]]] } }, 3)).toEqual({
      field: 'data.lines[0]',
      message: 'nested more than 3 levels deep',
    });
  });

  it('walks a body a hundred thousand levels deep without running out of stack', () => {
    expect(jsonShapeError(nested(100_000))?.field).toBe(`a${'.a'.repeat(MAX_JSON_DEPTH - 1)}`);
  });

  it.each([
    ['U+0000', 'Anna\u0000', /U\+0000/],
    ['a lone high surrogate', 'Anna\ud800', /lone UTF-16 surrogate/],
    ['a lone low surrogate', '\udc00Anna', /lone UTF-16 surrogate/],
  ])('refuses a string with %s, naming the field', (_, text, message) => {
    const error = jsonShapeError({ data: { lines: [{ description: text }] } });
    expect(error).toEqual({
      field: 'data.lines[0].description',
      message: expect.stringMatching(message) as unknown,
    });
  });

  it('refuses a key a store cannot hold too', () => {
    expect(jsonShapeError({ data: { 'a\u0000b': 1 } })?.field).toBe('data.a\u0000b');
  });
});
