import { DownstreamError } from '@switchboard/downstream';
import { TrytonClient, classifyError, date, decimal } from './tryton-client';
import { netUnitPrice } from './tryton-connector';

type Call = { method: string; params: unknown[]; authorization: string | null };

/** A fake Tryton: answers by method, records what it was sent. */
function fakeTryton(answer: (call: Call, index: number) => { status?: number; body: unknown }) {
  const calls: Call[] = [];
  const fetchMock = jest.fn((_url: string, init: RequestInit) => {
    const { method, params } = JSON.parse(init.body as string) as { method: string; params: unknown[] };
    const headers = init.headers as Record<string, string>;
    const call = { method, params, authorization: headers.authorization ?? null };
    calls.push(call);
    const { status = 200, body } = answer(call, calls.length - 1);
    return Promise.resolve(new Response(typeof body === 'string' ? body : JSON.stringify(body), { status }));
  });
  global.fetch = fetchMock as unknown as typeof fetch;
  return calls;
}

const client = () =>
  new TrytonClient({
    name: 'tryton-erp',
    url: 'http://tryton',
    database: 'db',
    username: 'admin',
    password: 'pw',
  });

const loginAnswers = (call: Call) => {
  if (call.method === 'common.db.login') return { body: { id: 1, result: [1, 'key'] } };
  if (call.method === 'model.res.user.get_preferences') return { body: { id: 1, result: { company: 1 } } };
  return null;
};

describe('TrytonClient', () => {
  const realFetch = global.fetch;
  afterEach(() => {
    global.fetch = realFetch;
  });

  it('sends typed Decimal and date values and decodes them back to exact strings', async () => {
    const calls = fakeTryton(
      (call) =>
        loginAnswers(call) ?? {
          body: {
            id: 1,
            result: [
              {
                total: { __class__: 'Decimal', decimal: '4868.70' },
                day: { __class__: 'date', year: 2026, month: 1, day: 5 },
              },
            ],
          },
        },
    );
    const result = await client().model('sale.sale', 'create', [
      { price: decimal('0.10'), day: date('2026-01-31') },
    ]);
    expect(result).toEqual([{ total: '4868.70', day: '2026-01-05' }]);
    const create = calls.find((call) => call.method === 'model.sale.sale.create')!;
    expect(create.params).toEqual([
      [
        {
          price: { __class__: 'Decimal', decimal: '0.10' },
          day: { __class__: 'date', year: 2026, month: 1, day: 31 },
        },
      ],
      { company: 1 },
    ]);
    expect(create.authorization).toBe(`Session ${Buffer.from('admin:1:key').toString('base64')}`);
  });

  it('renews a lost session (401) once and repeats the call', async () => {
    let logins = 0;
    const calls = fakeTryton((call) => {
      if (call.method === 'common.db.login') {
        logins += 1;
        return { body: { id: 1, result: [1, `key${logins}`] } };
      }
      if (call.method === 'model.res.user.get_preferences') return { body: { id: 1, result: {} } };
      return call.authorization?.endsWith(Buffer.from('admin:1:key1').toString('base64'))
        ? { status: 401, body: '<html>Unauthorized</html>' }
        : { body: { id: 1, result: 42 } };
    });
    await expect(client().model('party.party', 'search_count', [])).resolves.toBe(42);
    expect(logins).toBe(2);
    expect(calls.filter((call) => call.method === 'model.party.party.search_count')).toHaveLength(2);
  });

  it('maps a refused login to the authentication class and never repeats it with the same password', async () => {
    const calls = fakeTryton(() => ({ status: 401, body: '<html>Unauthorized</html>' }));
    const refused = client();
    await expect(refused.model('party.party', 'search', [])).rejects.toMatchObject({
      failureClass: 'authentication',
    });
    await expect(refused.model('party.party', 'search', [])).rejects.toMatchObject({
      failureClass: 'authentication',
    });
    expect(calls.filter((call) => call.method === 'common.db.login')).toHaveLength(1);
  });

  it('maps HTTP-200 error bodies: UserError -> validation, concurrency -> transient', async () => {
    fakeTryton(
      (call) =>
        loginAnswers(call) ?? {
          body: { id: 1, error: ['UserError', ['The sale is missing an address.', '']] },
        },
    );
    const error = await client()
      .model('sale.sale', 'quote', [1])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DownstreamError);
    expect(error).toMatchObject({ failureClass: 'validation' });
    expect((error as Error).message).toContain('The sale is missing an address.');
    expect(classifyError('t', 'm', ['ConcurrencyException', ['Records were modified']]).failureClass).toBe(
      'transient',
    );
    expect(classifyError('t', 'm', ['database is locked', 'Traceback...']).failureClass).toBe('transient');
    expect(classifyError('t', 'm', ['LoginException', ['password']]).failureClass).toBe('authentication');
  });

  it('maps timeouts, 5xx and 429 onto transient and rate_limited', async () => {
    fakeTryton((call) => loginAnswers(call) ?? { status: 503, body: 'busy' });
    await expect(client().model('sale.sale', 'read', [1])).rejects.toMatchObject({
      failureClass: 'transient',
    });
    fakeTryton((call) => loginAnswers(call) ?? { status: 429, body: 'slow down' });
    await expect(client().model('sale.sale', 'read', [1])).rejects.toMatchObject({
      failureClass: 'rate_limited',
    });
  });
});

describe('netUnitPrice', () => {
  it('applies the discount exactly so quantity x price is the priced line total', () => {
    expect(netUnitPrice({ unitPrice: '1200.00', discountPercent: '10' })).toBe('1080');
    expect(netUnitPrice({ unitPrice: '850.50', discountPercent: '0' })).toBe('850.5');
    expect(netUnitPrice({ unitPrice: '10.125', discountPercent: '50' })).toBe('5.0625');
  });
});
