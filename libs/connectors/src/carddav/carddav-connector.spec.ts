import { cardDavFailure } from './carddav-connector';

describe('cardDavFailure', () => {
  it('is null for success (created, replaced, deleted)', () => {
    expect([200, 201, 204].map(cardDavFailure)).toEqual([null, null, null]);
  });

  it('holds the connector on refused credentials', () => {
    expect(cardDavFailure(401)).toBe('authentication');
    expect(cardDavFailure(403)).toBe('authentication');
  });

  it('retries a failing, busy or locked server and a collection not there yet', () => {
    expect([500, 502, 503, 408, 423, 404, 409].map(cardDavFailure)).toEqual(Array(7).fill('transient'));
    expect(cardDavFailure(429)).toBe('rate_limited');
  });

  it('dead-letters a card the server refuses', () => {
    expect([400, 412, 415].map(cardDavFailure)).toEqual(['validation', 'validation', 'validation']);
  });
});
