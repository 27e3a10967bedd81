import { ConsoleError } from '../../console.errors';
import { toResolveRequest } from './resolve-form.dto';

const A = '00000000-0000-4000-8000-00000000000a';

describe('toResolveRequest', () => {
  it('turns the one field of the form into the decision customer-sync takes', () => {
    expect(toResolveRequest({ candidate: '1' })).toEqual({ candidate: 1 });
    expect(toResolveRequest({ value: ' +49 30 1 ' })).toEqual({ value: '+49 30 1' });
    expect(toResolveRequest({ value: '  ' })).toEqual({ value: null });
    expect(toResolveRequest({ customerId: A, _csrf: 't' })).toEqual({ customerId: A });
    expect(toResolveRequest({ createNew: 'true' })).toEqual({ createNew: true });
    expect(toResolveRequest({ mergeInto: A })).toEqual({ mergeInto: A });
  });

  it('refuses no choice and two choices', () => {
    expect(() => toResolveRequest({ _csrf: 't' })).toThrow(ConsoleError);
    expect(() => toResolveRequest({ customerId: A, mergeInto: A })).toThrow(/exactly one/);
  });
});
