import { isEmail, maxLength, validateSync } from 'class-validator';
import fc from 'fast-check';
import { OptionalText, RequiredEmail, RequiredText } from './decorators';

class Named {
  @RequiredText(4)
  name!: unknown;
}

class Noted {
  @OptionalText(4)
  note?: unknown;
}

/** class-validator's messages for an instance of `target` with `values`. */
function messages(target: new () => object, values: object): string[] {
  return validateSync(Object.assign(new target(), values)).flatMap((error) =>
    Object.values(error.constraints ?? {}),
  );
}

const problems = (name: unknown) => messages(Named, { name });
const noteProblems = (note: unknown) => messages(Noted, { note });

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

describe('OptionalText', () => {
  it("takes text up to its limit and refuses one character more with class-validator's MaxLength message", () => {
    expect(noteProblems('abcd')).toEqual([]);
    expect(noteProblems('abcde')).toEqual(['note must be shorter than or equal to 4 characters']);
  });

  it('takes what is absent or null, and refuses what is not a string', () => {
    expect(noteProblems(undefined)).toEqual([]);
    expect(noteProblems(null)).toEqual([]);
    expect(noteProblems(7)).toEqual([
      'note must be a string',
      'note must be shorter than or equal to 4 characters',
    ]);
  });

  it("counts as class-validator's MaxLength does, for any string and limit", () => {
    // The limit checks the length in UTF-16 units first; the count it skips must never disagree.
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.nat(16), (text, max) => {
        class Limited {
          @OptionalText(max)
          text?: string;
        }
        expect(messages(Limited, { text }).length === 0).toBe(maxLength(text, max));
      }),
    );
  });
});

describe('RequiredEmail', () => {
  class Addressed {
    @RequiredEmail()
    email!: string;
  }
  const accepted = (email: string) => messages(Addressed, { email }).length === 0;

  it("accepts and refuses what validator's isEmail does with its defaults, call after call", () => {
    const addresses = fc.oneof(
      fc.emailAddress(),
      fc.string({ maxLength: 40 }),
      fc.tuple(fc.string({ maxLength: 12 }), fc.domain()).map(([user, domain]) => `${user}@${domain}`),
    );
    fc.assert(fc.property(addresses, (email) => expect(accepted(email)).toBe(isEmail(email))));
    expect(accepted('anna+d-1@example.com')).toBe(true);
    expect(accepted('anna@localhost')).toBe(false);
    expect(accepted('"quoted"@example.com')).toBe(true);
  });
});
