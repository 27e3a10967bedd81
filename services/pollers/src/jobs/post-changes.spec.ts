import { PollerError, PollerErrorCode } from '../pollers.errors';
import { postChanges, readFrom, toStamp, type Change, type IngestPort } from './post-changes';
import { escalationOf } from './rt-escalations.job';

const change = (key: string, at: string): Change => ({
  key,
  changedAt: toStamp(at),
  event: { id: `evt-${key}`, type: 'customer_updated', data: {} },
});

/** ingest as a set of accepted ids: a known id is a duplicate; `refuse` answers 503 for one id. */
function fakeIngest(refuse?: string): IngestPort & { posted: string[] } {
  const seen = new Set<string>();
  const posted: string[] = [];
  return {
    posted,
    post: (_source, event) => {
      posted.push(event.id);
      if (event.id === refuse) return Promise.resolve({ status: 503, body: null });
      const duplicate = seen.has(event.id);
      seen.add(event.id);
      return Promise.resolve({ status: 202, body: { duplicate } });
    },
  };
}

const leading = { checkpoint: null, stillLeading: () => true };

describe('postChanges', () => {
  const start = toStamp('2026-12-01T10:00:00Z');

  it('posts oldest first and moves the checkpoint to the newest change ingest accepted', async () => {
    const ingest = fakeIngest();
    const result = await postChanges(
      ingest,
      'erp',
      [change('b', '2026-12-01T10:02:00Z'), change('a', '2026-12-01T10:01:00Z')],
      start,
      leading,
    );
    expect(ingest.posted).toEqual(['evt-a', 'evt-b']);
    expect(result).toMatchObject({ posted: 2, duplicates: 0, checkpoint: toStamp('2026-12-01T10:02:00Z') });
  });

  it('counts what ingest had already as duplicates (a pass repeated after a leader died)', async () => {
    const ingest = fakeIngest();
    const changes = [change('a', '2026-12-01T10:01:00Z')];
    await postChanges(ingest, 'erp', changes, start, leading);
    const again = await postChanges(ingest, 'erp', changes, start, leading);
    expect(again).toMatchObject({ posted: 0, duplicates: 1 });
  });

  it('keeps the checkpoint where it was when nothing changed', async () => {
    await expect(postChanges(fakeIngest(), 'erp', [], start, leading)).resolves.toMatchObject({
      checkpoint: start,
    });
  });

  it('stops at a refusal with no checkpoint: nothing after it is posted', async () => {
    const ingest = fakeIngest('evt-b');
    const changes = ['a', 'b', 'c'].map((key, i) => change(key, `2026-12-01T10:0${i + 1}:00Z`));
    const failed = postChanges(ingest, 'erp', changes, start, leading);
    await expect(failed).rejects.toMatchObject({ code: PollerErrorCode.IngestRefused });
    expect(ingest.posted).toEqual(['evt-a', 'evt-b']);
  });

  it('stops before the next post once the leadership is lost', async () => {
    const ingest = fakeIngest();
    let posts = 0;
    const context = { checkpoint: null, stillLeading: () => posts++ < 1 };
    const changes = [change('a', '2026-12-01T10:01:00Z'), change('b', '2026-12-01T10:02:00Z')];
    await expect(postChanges(ingest, 'erp', changes, start, context)).rejects.toEqual(
      new PollerError(PollerErrorCode.LeadershipLost, 'leadership lost during the pass'),
    );
    expect(ingest.posted).toEqual(['evt-a']);
  });

  it('reads from the overlap before the checkpoint', () => {
    expect(readFrom(start, 60)).toBe('2026-12-01T09:59:00.000Z');
    expect(() => toStamp('yesterday')).toThrow(/not an RFC 3339 time/);
  });
});

describe('escalationOf', () => {
  it("is the ticket's escalation, one event id per ticket and priority", () => {
    const escalation = escalationOf({
      id: 7,
      Subject: 'Onboarding: ACME [acct:ACC-1] [sb:D-1]',
      Priority: 95,
      LastUpdated: '2026-12-01T10:00:00Z',
    });
    expect(escalation).toMatchObject({
      key: '7',
      changedAt: toStamp('2026-12-01T10:00:00Z'),
      event: {
        id: 'rt-7-p95',
        type: 'ticket_escalated',
        data: { ticketId: 'RT-7', crmAccountId: 'ACC-1', subject: 'Onboarding: ACME', priority: 'urgent' },
      },
    });
  });

  it("leaves tickets that are not Switchboard's alone", () => {
    expect(
      escalationOf({ id: 8, Subject: 'printer broken', Priority: 99, LastUpdated: '2026-12-01T10:00:00Z' }),
    ).toBeNull();
  });
});
