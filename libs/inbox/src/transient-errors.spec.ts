import { isTransient } from './transient-errors';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('isTransient', () => {
  it.each([
    ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['admin shutdown', withCode('terminating connection due to administrator command', '57P01')],
    ['serialization failure', withCode('could not serialize access', '40001')],
    ['deadlock', withCode('deadlock detected', '40P01')],
    ['connection exception class', withCode('connection failure', '08006')],
    ['pg client terminated', new Error('Connection terminated unexpectedly')],
    [
      'released query runner',
      Object.assign(new Error('Query runner already released'), {
        name: 'QueryRunnerProviderAlreadyReleasedError',
      }),
    ],
    [
      'wrapped driver error',
      Object.assign(new Error('query failed'), { driverError: withCode('terminating connection', '57P01') }),
    ],
    ['error with a transient cause', new Error('outer', { cause: withCode('reset', 'ECONNRESET') })],
  ])('retries %s', (_name, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each([
    ['unique violation', withCode('duplicate key value', '23505')],
    ['invalid input', withCode('invalid input syntax for type numeric', '22P02')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['not an error', 'boom'],
  ])('does not retry %s', (_name, error) => {
    expect(isTransient(error)).toBe(false);
  });
});
