import { csrfMatches, csrfToken, readCookie, signSession, verifySession } from './session';

const SECRET = 'a-session-secret-of-enough-length';

describe('console session', () => {
  it('a signed session reads back until it expires', () => {
    const cookie = signSession(SECRET, { name: 'dana', roles: ['data-steward'] }, 60_000, 1_000);
    expect(verifySession(SECRET, cookie, 1_000)).toMatchObject({ name: 'dana', roles: ['data-steward'] });
    expect(verifySession(SECRET, cookie, 61_000)).toBeNull();
  });

  it('an altered or foreign cookie is refused', () => {
    const cookie = signSession(SECRET, { name: 'vic', roles: ['viewer'] }, 60_000);
    const [body, signature] = cookie.split('.');
    const promoted = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), r: ['operator'] }),
    ).toString('base64url');
    expect(verifySession(SECRET, `${promoted}.${signature}`)).toBeNull();
    expect(verifySession('another-secret-of-enough-length!!', cookie)).toBeNull();
    expect(verifySession(SECRET, 'garbage')).toBeNull();
  });

  it('the CSRF token is bound to the session', () => {
    const one = verifySession(SECRET, signSession(SECRET, { name: 'dana', roles: ['operator'] }, 60_000))!;
    const two = verifySession(SECRET, signSession(SECRET, { name: 'dana', roles: ['operator'] }, 60_000))!;
    expect(csrfMatches(SECRET, one, csrfToken(SECRET, one))).toBe(true);
    expect(csrfMatches(SECRET, two, csrfToken(SECRET, one))).toBe(false);
    expect(csrfMatches(SECRET, one, undefined)).toBe(false);
  });

  it('reads one cookie of a header', () => {
    expect(readCookie('a=1; sb_session=x.y; b=2', 'sb_session')).toBe('x.y');
    expect(readCookie(undefined, 'sb_session')).toBeNull();
  });
});
