import { validateSync } from 'class-validator';
import { RequiredText } from './decorators';

class Named {
  @RequiredText(4)
  name!: unknown;
}

function problems(name: unknown): string[] {
  const named = Object.assign(new Named(), { name });
  return validateSync(named).flatMap((error) => Object.values(error.constraints ?? {}));
}

describe('RequiredText', () => {
  it('takes text up to its limit and refuses one character more', () => {
    expect(problems('abcd')).toEqual([]);
    expect(problems('abcde')).toEqual(['name must be at most 4 characters']);
  });

  it('counts a character outside the BMP (two UTF-16 units) once, like class-validator', () => {
    // Four emoji are eight UTF-16 units: within a limit of four characters.
    expect(problems('\u{1F600}'.repeat(4))).toEqual([]);
    expect(problems('\u{1F600}'.repeat(5))).toEqual(['name must be at most 4 characters']);
  });

  it('refuses what is missing, empty or not a string', () => {
    expect(problems(undefined)).toEqual(['name is required']);
    expect(problems(' \t')).toEqual(['name must not be empty']);
    expect(problems(7)).toEqual(['name must be a string']);
  });
});
