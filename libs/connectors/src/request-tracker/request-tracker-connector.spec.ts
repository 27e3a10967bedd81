import { exampleCloudEvent } from '@switchboard/contracts';
import type { DeliveryOf } from '@switchboard/downstream';

import { RequestTrackerConnector, ticketSummary } from './request-tracker-connector';

type Sent = { method: string; url: string; body: unknown; headers: Record<string, string> };

/** A fake RT: logins (counted in `logins`) hand out sessions `s1`, `s2`...; REST2 calls go to `answer`. */
function fakeRt(answer: (sent: Sent) => { status: number; body: unknown }): Sent[] & { logins: string[] } {
  const sent = Object.assign([] as Sent[], { logins: [] as string[] });
  global.fetch = jest.fn((url: string, init: RequestInit) => {
    if (url.endsWith('/NoAuth/Login.html')) {
      sent.logins.push(init.body as string);
      const cookie = `RT_SID_rt.8124=s${sent.logins.length}; path=/rt; HttpOnly`;
      return Promise.resolve(new Response(null, { status: 302, headers: { 'set-cookie': cookie } }));
    }
    const call = {
      method: init.method ?? 'GET',
      url,
      body: init.body ? JSON.parse(init.body as string) : null,
      headers: init.headers as Record<string, string>,
    };
    sent.push(call);
    const { status, body } = answer(call);
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  }) as unknown as typeof fetch;
  return sent;
}

const connector = () =>
  new RequestTrackerConnector({
    name: 'rt',
    url: 'http://rt/rt',
    username: 'root',
    password: 'pw',
    queue: 'Onboarding',
  });

const example = exampleCloudEvent('deal_won').data;
const delivery: DeliveryOf<'tickets'> = {
  operation: 'tickets',
  idempotencyKey: 'evt-1',
  body: { dealId: 'D-1', ticketNumber: 'T-1', crmAccountId: 'ACC-1', subject: 'Onboarding: ACME' },
  event: {
    id: 'evt-1',
    type: 'deal_won',
    data: {
      ...example,
      dealId: 'D-1',
      closeDate: '2026-11-20',
      account: { ...example.account, crmAccountId: 'ACC-1', name: 'ACME', email: 'it@acme.example' },
      lines: [{ ...example.lines[0], quantity: '2', crmProductId: 'SKU-001' }],
    },
  },
};

describe('RequestTrackerConnector', () => {
  const realFetch = global.fetch;
  afterEach(() => {
    global.fetch = realFetch;
  });

  it('searches the deal tag first and creates the ticket only when none exists', async () => {
    const sent = fakeRt((call) =>
      call.method === 'GET' ? { status: 200, body: { items: [] } } : { status: 201, body: { id: 7 } },
    );
    await expect(connector().deliver(delivery)).resolves.toEqual({ externalId: '7' });
    expect(decodeURIComponent(sent[0].url)).toContain("Queue = 'Onboarding' AND Subject LIKE '[sb:D-1]'");
    expect(sent[1]).toMatchObject({
      method: 'POST',
      url: 'http://rt/rt/REST/2.0/ticket',
      body: {
        Queue: 'Onboarding',
        Subject: 'Onboarding: ACME [acct:ACC-1] [sb:D-1]',
        Requestor: 'it@acme.example',
      },
    });
  });

  it('returns the existing ticket on a retry instead of creating a second one', async () => {
    const sent = fakeRt(() => ({ status: 200, body: { items: [{ id: '7' }] } }));
    await expect(connector().deliver(delivery)).resolves.toEqual({ externalId: '7' });
    expect(sent.filter((call) => call.method === 'POST')).toHaveLength(0);
  });

  it('logs in once and sends the session cookie, never the password, on every REST2 call', async () => {
    const sent = fakeRt((call) =>
      call.method === 'GET' ? { status: 200, body: { items: [] } } : { status: 201, body: { id: 7 } },
    );
    const rt = connector();
    await rt.deliver(delivery);
    await rt.deliver({ ...delivery, body: { ...delivery.body, dealId: 'D-2' } });
    expect(sent.logins).toEqual(['user=root&pass=pw']);
    expect(sent).toHaveLength(4);
    for (const call of sent) {
      expect(call.headers).toMatchObject({ cookie: 'RT_SID_rt.8124=s1' });
      expect(JSON.stringify(call.headers)).not.toContain('pw');
    }
  });

  it('logs in again when RT no longer knows the session (a redirect to its login page)', async () => {
    const sent = fakeRt((call) =>
      call.headers.cookie === 'RT_SID_rt.8124=s1'
        ? { status: 302, body: null }
        : { status: 200, body: { items: [{ id: '7' }] } },
    );
    await expect(connector().deliver(delivery)).resolves.toEqual({ externalId: '7' });
    expect(sent.logins).toHaveLength(2);
  });

  it('logs in again when RT refuses the session with 403, and calls it credentials only after a fresh login', async () => {
    const stale = fakeRt((call) =>
      call.headers.cookie === 'RT_SID_rt.8124=s1'
        ? { status: 403, body: { message: 'Forbidden' } }
        : { status: 200, body: { items: [{ id: '8' }] } },
    );
    await expect(connector().deliver(delivery)).resolves.toEqual({ externalId: '8' });
    expect(stale.logins).toHaveLength(2);

    const refused = fakeRt(() => ({ status: 403, body: { message: 'Forbidden' } }));
    await expect(connector().deliver(delivery)).rejects.toMatchObject({ failureClass: 'authentication' });
    expect(refused.logins).toHaveLength(2);
  });

  it("sends RT's own origin, which its CSRF protection requires of a cookie-authenticated POST", async () => {
    const sent = fakeRt((call) =>
      call.method === 'GET' ? { status: 200, body: { items: [] } } : { status: 201, body: { id: 9 } },
    );
    await expect(connector().deliver(delivery)).resolves.toEqual({ externalId: '9' });
    const post = sent.find((call) => call.method === 'POST');
    expect(post?.headers.origin).toBe('http://rt');
  });

  it('maps 401 to authentication, 400 to validation and 503 to transient', async () => {
    fakeRt(() => ({ status: 401, body: { message: 'Unauthorized' } }));
    await expect(connector().deliver(delivery)).rejects.toMatchObject({ failureClass: 'authentication' });
    fakeRt((call) =>
      call.method === 'GET'
        ? { status: 200, body: { items: [] } }
        : { status: 400, body: { message: 'bad queue' } },
    );
    await expect(connector().deliver(delivery)).rejects.toMatchObject({ failureClass: 'validation' });
    fakeRt(() => ({ status: 503, body: {} }));
    await expect(connector().deliver(delivery)).rejects.toMatchObject({ failureClass: 'transient' });
  });
});

describe('ticketSummary', () => {
  const deal = {
    dealId: 'D-1',
    closeDate: '2026-11-20',
    account: {
      crmAccountId: 'ACC-1',
      name: 'Lago Verde S.p.A.',
      email: 'ap@lagoverde.example',
      country: 'IT',
    },
    contact: {
      crmContactId: 'CON-1',
      email: 'giulia@lagoverde.example',
      firstName: 'Giulia',
      lastName: 'Neri',
    },
    owner: { crmUserId: 'sales.anna', name: 'Anna Bianchi', email: 'anna@example.com' },
    lines: [{ quantity: '3', crmProductId: 'SKU-001', description: 'Platform licence' }],
    notes: 'Go-live in January',
  };

  it("shows the customer's context: account, owner, contact, products, notes", () => {
    expect(ticketSummary(deal, 'evt-1').split('\n')).toEqual([
      'Deal D-1 for Lago Verde S.p.A. (ACC-1) closed on 2026-11-20.',
      'Account: Lago Verde S.p.A. (ACC-1), ap@lagoverde.example, IT',
      'Owner: Anna Bianchi <anna@example.com>',
      'Contact: Giulia Neri <giulia@lagoverde.example> (CON-1)',
      'Products: 3 x Platform licence',
      'Notes: Go-live in January',
      'Switchboard event evt-1',
    ]);
  });

  it('leaves out what the deal does not carry', () => {
    const bare = {
      ...deal,
      account: { ...deal.account, country: null },
      contact: { crmContactId: 'CON-1', email: 'giulia@lagoverde.example' },
      owner: { crmUserId: 'sales.anna' },
      notes: null,
    };
    expect(ticketSummary(bare, 'evt-1').split('\n')).toEqual([
      'Deal D-1 for Lago Verde S.p.A. (ACC-1) closed on 2026-11-20.',
      'Account: Lago Verde S.p.A. (ACC-1), ap@lagoverde.example',
      'Owner: sales.anna',
      'Contact: <giulia@lagoverde.example> (CON-1)',
      'Products: 3 x Platform licence',
      'Switchboard event evt-1',
    ]);
  });
});
