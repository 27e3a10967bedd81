import { MAX_NAMED_STATEMENTS, statementName } from './prepared-statements';

describe('statementName', () => {
  it('gives a text the same name every time, and a new text a new name', () => {
    const first = statementName('SELECT $1::int');
    expect(statementName('SELECT $1::int')).toBe(first);
    expect(statementName('SELECT $1::text')).not.toBe(first);
  });

  it('names no more texts than the bound: SQL built with a varying number of placeholders stays unnamed', () => {
    for (let n = 0; n < MAX_NAMED_STATEMENTS; n += 1)
      statementName(`SELECT * FROM t WHERE id IN ($${n + 1})`);
    expect(statementName('SELECT $1::bigint')).toBeUndefined();
    // The texts named before keep their names.
    expect(statementName('SELECT $1::int')).toBeDefined();
  });
});
