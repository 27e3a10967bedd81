import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

import { DownstreamError } from '@switchboard/downstream';
import { Topic, exampleCloudEvent, type CloudEvent } from '@switchboard/contracts';
import type { BatchConsumer, BatchHandler, InboundMessage } from '@switchboard/kafka';
import type { OutboxRecord, OutboxWriter } from '@switchboard/outbox';

import { CHUNK_HANDLER, ChunkContext } from './chunk-context';
import { EventRejected } from './event-rejected';
import { InboxTransport } from './inbox-transport';

/**
 * The chunk contract against an in-memory stand-in for the inbox tables (the transport's own SQL,
 * matched by statement) with transactions and savepoints; the suites under test/ run the same
 * against PostgreSQL and Kafka through the real consumers.
 */
class FakeDatabase {
  inbox = new Map<string, string>();
  attempts = new Map<string, { chunk_attempts: number; solo_attempts: number; retry_attempts: number }>();
  /** inbox_parked: events waiting for the retry of their key, by inbox id, in parking order. */
  parked = new Map<string, { message: InboundMessage; failure: string | null; dueAt: number }>();
  /** The effect rows the test handler wrote, by event id. */
  effects = new Set<string>();
  deadLetters: OutboxRecord[] = [];
  effectStatements = 0;
  /** Statements of the transport's own on the happy path: a chunk's start and its claim. */
  transportStatements = 0;
  /** Attempt rows written or counted up by a chunk's start (committed before the handler runs). */
  attemptRowsWritten = 0;
  private savepoints: Array<ReturnType<FakeDatabase['snapshot']>> = [];

  readonly dataSource = {
    query: (sql: string, params: unknown[] = []) => Promise.resolve(this.run(sql, params)),
    transaction: async <T>(work: (manager: EntityManager) => Promise<T>): Promise<T> => {
      const before = this.snapshot();
      try {
        return await work({ query: this.dataSource.query } as unknown as EntityManager);
      } catch (error) {
        this.restore(before);
        throw error;
      }
    },
  } as unknown as DataSource;

  readonly outbox = {
    enqueue: (_: EntityManager, records: OutboxRecord[]) => {
      this.deadLetters.push(...records);
      return Promise.resolve(records.map((record) => record.id));
    },
  } as unknown as OutboxWriter;

  private snapshot() {
    return {
      inbox: new Map(this.inbox),
      attempts: new Map([...this.attempts].map(([id, row]) => [id, { ...row }])),
      parked: new Map([...this.parked].map(([id, row]) => [id, { ...row }])),
      effects: new Set(this.effects),
      deadLetters: [...this.deadLetters],
    };
  }

  private restore(state: ReturnType<FakeDatabase['snapshot']>): void {
    Object.assign(this, state);
  }

  private run(sql: string, params: unknown[]): unknown[] {
    if (sql === 'SAVEPOINT inbox_event') this.savepoints.push(this.snapshot());
    else if (sql === 'RELEASE SAVEPOINT inbox_event') this.savepoints.pop();
    else if (sql === 'ROLLBACK TO SAVEPOINT inbox_event') this.restore(this.savepoints.pop()!);
    else if (sql.startsWith('WITH waiting AS')) {
      this.transportStatements += 1;
      const [ids, , , , topic, keys, firstHandling] = params as [
        string[],
        string[],
        number[],
        string[],
        string | null,
        string[],
        boolean,
      ];
      const parkedKeys = new Set([...this.parked.values()].map(({ message }) => message.key ?? ''));
      const waiting = topic === null ? [] : [...new Set(keys.filter((key) => parkedKeys.has(key)))];
      const rows: Array<Record<string, unknown>> = waiting.map((key) => ({ waiting_key: key }));
      ids.forEach((id, at) => {
        if (firstHandling || waiting.includes(keys[at])) return;
        const row = this.attempts.get(id) ?? { chunk_attempts: 0, solo_attempts: 0, retry_attempts: 0 };
        row.chunk_attempts += 1;
        this.attemptRowsWritten += 1;
        this.attempts.set(id, row);
        rows.push({ waiting_key: null, id, ...row });
      });
      return rows;
    } else if (sql.includes('SET solo_attempts = solo_attempts + 1')) {
      const row = this.attempts.get(params[0] as string)!;
      row.solo_attempts += 1;
      return [{ solo_attempts: row.solo_attempts }];
    } else if (sql.includes('SET chunk_attempts = chunk_attempts + 1')) {
      for (const id of params[0] as string[]) this.attempts.get(id)!.chunk_attempts += 1;
    } else if (sql.includes('SET chunk_attempts = 0, solo_attempts = 0')) {
      const [parked, failing] = params as [string[], string[]];
      for (const id of parked) {
        const row = this.attempts.get(id);
        if (!row) continue; // parked unhandled: never counted
        Object.assign(row, { chunk_attempts: 0, solo_attempts: 0 });
        if (failing.includes(id)) row.retry_attempts += 1;
      }
    } else if (sql.startsWith('DELETE FROM "inbox_test".inbox_attempt')) {
      for (const id of params[0] as string[]) this.attempts.delete(id);
    } else if (sql.startsWith('WITH finished AS')) {
      this.transportStatements += 1;
      const [ids, , , , , , finishing, waitingTopic, keys] = params as [
        string[],
        unknown,
        unknown,
        unknown,
        unknown,
        unknown,
        string[],
        string | null | undefined,
        string[],
      ];
      const parkedKeys = new Set([...this.parked.values()].map(({ message }) => message.key ?? ''));
      // A first handling's claim that finds a parked key inserts nothing and says so.
      if (typeof waitingTopic === 'string' && keys.some((key) => parkedKeys.has(key))) return [{ id: null }];
      for (const id of finishing) this.attempts.delete(id);
      const fresh = [];
      for (const id of ids) {
        if (this.inbox.has(id)) continue;
        this.inbox.set(id, 'applied');
        fresh.push({ id });
      }
      return fresh;
    } else if (sql.startsWith('DELETE FROM "inbox_test".inbox_message')) {
      this.inbox.delete(params[0] as string);
    } else if (sql.startsWith('UPDATE "inbox_test".inbox_message')) {
      for (const id of params[0] as string[]) this.inbox.set(id, 'dead_lettered');
    } else if (sql.startsWith('INSERT INTO "inbox_test".inbox_parked')) {
      const [ids, , partitions, offsets, keys, values, headers, timestamps, failures, dues] = params as [
        string[],
        string[],
        number[],
        string[],
        string[],
        Array<Buffer | null>,
        string[],
        string[],
        Array<string | null>,
        string[],
      ];
      ids.forEach((id, at) => {
        const row = this.parked.get(id);
        if (row && failures[at] === null) return;
        const message: InboundMessage = {
          topic: Topic.deal_won,
          partition: partitions[at],
          offset: offsets[at],
          key: keys[at] === '' ? null : keys[at],
          value: values[at],
          headers: JSON.parse(headers[at]) as Record<string, string>,
          timestamp: timestamps[at],
        };
        this.parked.set(id, {
          message: row?.message ?? message,
          failure: failures[at],
          dueAt: Date.parse(dues[at]),
        });
      });
    } else if (sql.startsWith('DELETE FROM "inbox_test".inbox_parked')) {
      for (const id of params[0] as string[]) this.parked.delete(id);
    } else if (sql.startsWith('WITH heads AS')) {
      // Parked in offset order, so the first of a key in the map is its oldest.
      const byKey = new Map<string, Array<[string, { message: InboundMessage; dueAt: number }]>>();
      for (const entry of this.parked) {
        const key = entry[1].message.key ?? '';
        byKey.set(key, [...(byKey.get(key) ?? []), entry]);
      }
      const taken = [...byKey.values()].filter((queue) => queue[0][1].dueAt <= Date.now());
      return taken
        .slice(0, params[0] as number)
        .flatMap((queue) => {
          queue[0][1].dueAt = Date.now() + 120_000;
          return queue.slice(0, params[1] as number);
        })
        .map(([id, { message }]) => ({
          id,
          topic: message.topic,
          kafka_partition: message.partition,
          kafka_offset: message.offset,
          message_key: message.key ?? '',
          message_value: message.value,
          headers: message.headers,
          message_timestamp: message.timestamp,
        }));
    } else if (sql.startsWith('SELECT count(*)::int AS events')) {
      return [{ events: this.parked.size, oldest_seconds: 0 }];
    } else if (sql === 'INSERT effect') {
      this.effectStatements += 1;
      for (const id of params[0] as string[]) this.effects.add(id);
    } else {
      throw new Error(`unexpected statement: ${sql}`);
    }
    return [];
  }
}

function deal(key: string): CloudEvent<'deal_won'> {
  const example = exampleCloudEvent('deal_won');
  return { ...example, id: randomUUID(), data: { ...example.data, dealId: `D-${key}-${randomUUID()}` } };
}

function messages(events: Array<CloudEvent<'deal_won'>>, keys: string[]): InboundMessage[] {
  return events.map((event, index) => ({
    topic: Topic.deal_won,
    partition: 0,
    offset: String(index),
    key: keys[index],
    value: Buffer.from(JSON.stringify(event)),
    headers: {},
    timestamp: String(Date.now()),
  }));
}

/** A transport with one chunk handler; returns what to drive it with and what it recorded. */
async function transportWith(
  handle: (events: Array<CloudEvent<'deal_won'>>, chunk: ChunkContext) => Promise<void>,
  retry: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number } = {},
) {
  const db = new FakeDatabase();
  let run: BatchHandler | undefined;
  const consumer: BatchConsumer = {
    connect: () => Promise.resolve(),
    run: (_topics, handler) => {
      run = handler;
      return Promise.resolve();
    },
    isConnected: () => true,
    disconnect: () => Promise.resolve(),
  };
  const transport = new InboxTransport({
    consumerGroup: 'inbox-test',
    deadLetterTopic: 'inbox-test.dlq',
    source: 'inbox-test',
    schema: 'inbox_test',
    dataSource: db.dataSource,
    consumer,
    outbox: db.outbox,
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, ...retry },
  });
  const calls: string[][] = [];
  transport.addHandler(
    Topic.deal_won,
    (events: Array<CloudEvent<'deal_won'>>, chunk: ChunkContext) => {
      calls.push(events.map((event) => event.id));
      return handle(events, chunk);
    },
    true,
    { [CHUNK_HANDLER]: true },
  );
  await new Promise<void>((resolve, reject) =>
    transport.listen((error) =>
      error ? reject(error instanceof Error ? error : new Error('listen failed')) : resolve(),
    ),
  );
  const committed: string[] = [];
  /** One owner's handling of the batch; `isActive` false is a rebalance taking the partition away. */
  const deliver = (
    batch: InboundMessage[],
    isActive: () => boolean = () => true,
    { firstHandling }: { firstHandling: boolean } = { firstHandling: false },
  ) =>
    run!(
      { topic: Topic.deal_won, partitions: [0], messages: batch, firstHandling },
      {
        commit: (message) => {
          committed.push(message.offset);
          return Promise.resolve(true);
        },
        isActive,
      },
    );
  /** Resolves once the transport's retries (on its own timer) have emptied inbox_parked. */
  const retriesDone = async () => {
    for (let waited = 0; db.parked.size > 0; waited += 20) {
      if (waited > 5_000) throw new Error(`${db.parked.size} events still parked after 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  transports.push(transport);
  return { db, calls, committed, deliver, retriesDone };
}

const transports: InboxTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});

const unavailable = () => new DownstreamError('transient', 'erp', 'ERP answered 503', { status: 503 });

/** The handler's one statement for the whole chunk. */
const writeEffects = async (events: Array<CloudEvent<'deal_won'>>, chunk: ChunkContext) => {
  await chunk.manager.query('INSERT effect', [events.map((event) => event.id)]);
};

describe('InboxTransport with a @ChunkPattern handler', () => {
  it('calls the handler once per chunk with its new events in partition order, and commits the offset after', async () => {
    const { db, calls, committed, deliver } = await transportWith(writeEffects);
    const events = ['a', 'b', 'c', 'd'].map(deal);
    db.inbox.set(events[1].id, 'applied');

    await deliver(messages(events, ['a', 'b', 'c', 'd']));

    expect(calls).toEqual([[events[0].id, events[2].id, events[3].id]]);
    expect(db.effectStatements).toBe(1);
    expect([...db.effects]).toEqual([events[0].id, events[2].id, events[3].id]);
    expect(committed).toEqual(['3']);
  });

  it('costs two statements of its own per chunk: its start, and its claim that also forgets the attempt rows', async () => {
    const { db, deliver } = await transportWith(writeEffects);
    const events = ['a', 'b', 'c'].map(deal);

    await deliver(messages(events, ['a', 'b', 'c']));

    // Before: a look for parked keys, the attempt rows, the claim and their delete, each a round trip.
    expect(db.transportStatements).toBe(2);
    expect(db.attempts.size).toBe(0);
    expect(db.inbox.size).toBe(3);
  });

  it('records the start of a chunk that may be a redelivery; a first handling costs its claim alone', async () => {
    const { db, deliver } = await transportWith(writeEffects);

    // A redelivery may follow a crash inside it: its events are counted before the handler runs.
    await deliver(messages(['a', 'b'].map(deal), ['a', 'b']));
    expect(db.attemptRowsWritten).toBe(2);
    await deliver(messages(['c', 'd'].map(deal), ['c', 'd']), undefined, { firstHandling: true });
    expect(db.attemptRowsWritten).toBe(2);

    // The redelivery: its start and its claim; the first handling: its claim alone.
    expect(db.transportStatements).toBe(3);
    expect(db.attempts.size).toBe(0);
    expect(db.inbox.size).toBe(4);
  });

  it('gives a second copy of one event in the chunk to the handler once', async () => {
    const { calls, deliver } = await transportWith(writeEffects);
    const event = deal('a');

    await deliver(messages([event, event], ['a', 'a']));

    expect(calls).toEqual([[event.id]]);
  });

  it('dead-letters a new poison message at the coordinates of one handled before (the topic was recreated)', async () => {
    const { db, deliver } = await transportWith(writeEffects);
    const [poison] = messages([deal('a')], ['a']);
    await deliver([{ ...poison, value: Buffer.from('{"not json'), timestamp: '1764000000000' }]);
    await deliver([{ ...poison, value: Buffer.from('{"also not json'), timestamp: '1764700000000' }]);

    expect(db.deadLetters).toHaveLength(2);
    expect(new Set(db.deadLetters.map((record) => record.id)).size).toBe(2);
  });

  it('dead-letters a rejected event alone: the chunk is applied again one event at a time', async () => {
    const events = ['a', 'b', 'c'].map(deal);
    const { db, calls, committed, deliver } = await transportWith(async (chunk, context) => {
      if (chunk.some((event) => event.id === events[1].id))
        throw new EventRejected('unmapped_product', 'SKU-9 has no ERP item mapping');
      await writeEffects(chunk, context);
    });

    await deliver(messages(events, ['a', 'b', 'c']));

    expect(calls).toEqual([events.map((event) => event.id), [events[0].id], [events[1].id], [events[2].id]]);
    expect([...db.effects].sort()).toEqual([events[0].id, events[2].id].sort());
    expect(db.deadLetters).toHaveLength(1);
    expect(db.deadLetters[0].headers).toMatchObject({ 'x-dead-letter-code': 'unmapped_product' });
    expect(db.inbox.get(events[1].id)).toBe('dead_lettered');
    expect(committed).toEqual(['2']);
  });

  it('pins a downstream failure inside within() on its event: its key is parked, the partition goes on', async () => {
    const events = ['a', 'b', 'c', 'd'].map(deal);
    const keys = ['a', 'b', 'c', 'b'];
    const failing = events[1];
    const downstreamCalls: string[] = [];
    const { db, calls, committed, deliver, retriesDone } = await transportWith(async (chunk, context) => {
      for (const event of chunk) {
        await context.within(event, () => {
          downstreamCalls.push(event.id);
          return event.id === failing.id ? Promise.reject(unavailable()) : Promise.resolve();
        });
      }
      await writeEffects(chunk, context);
    });

    await deliver(messages(events, keys));

    // First pass: the chunk, stopped at the failure. Isolated: a and c again, the failing one not
    // called, d (same key) parked behind it. The whole chunk's offset is committed at once.
    expect(calls).toEqual([events.map((event) => event.id), [events[0].id], [events[2].id]]);
    expect(committed).toEqual(['3']);
    expect([...db.parked.keys()]).toEqual([failing.id, events[3].id]);
    expect(db.parked.get(failing.id)?.failure).toBe('ERP answered 503');

    // The retry of key b: the failing one fails again and is dead-lettered (maxAttempts 2), after
    // which d applies.
    await retriesDone();
    expect(calls.slice(3)).toEqual([[failing.id, events[3].id], [events[3].id]]);
    expect(downstreamCalls.filter((id) => id === failing.id)).toHaveLength(2);
    expect([...db.effects].sort()).toEqual([events[0].id, events[2].id, events[3].id].sort());
    expect(db.deadLetters.map((record) => record.headers['x-dead-letter-code'])).toEqual([
      'retries_exhausted',
    ]);
  });

  it.each([
    // A chunk that may be a redelivery: its start finds the parked key, then the claim of the rest.
    { firstHandling: false, statements: 2 },
    // A first handling: its claim finds the parked key and writes nothing; the start, then the claim.
    { firstHandling: true, statements: 3 },
  ])(
    'parks an event of a parked key from a later chunk behind it, unhandled, and applies it after (first handling: $firstHandling)',
    async ({ firstHandling, statements }) => {
      const [first, later, other] = ['a', 'a', 'b'].map(deal);
      let down = true;
      const { db, calls, committed, deliver, retriesDone } = await transportWith(
        async (chunk, context) => {
          for (const event of chunk)
            await context.within(event, () =>
              down && event.id === first.id ? Promise.reject(unavailable()) : Promise.resolve(),
            );
          await writeEffects(chunk, context);
        },
        { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      );

      await deliver(messages([first], ['a']), undefined, { firstHandling });
      const statementsBefore = db.transportStatements;
      const [laterMessage, otherMessage] = messages([later, other], ['a', 'b']).map((message, index) => ({
        ...message,
        offset: String(index + 1),
      }));
      await deliver([laterMessage, otherMessage], undefined, { firstHandling });

      // `later` is not handed to the handler while `first` waits; `other` is, and both offsets move.
      expect(db.transportStatements - statementsBefore).toBe(statements);
      expect(calls).toEqual([[first.id], [other.id]]);
      expect(committed).toEqual(['0', '2']);
      expect([...db.parked.keys()]).toEqual([first.id, later.id]);

      // The backoff is over and the ERP is back: the key applies in order.
      down = false;
      db.parked.get(first.id)!.dueAt = 0;
      await retriesDone();
      expect(calls.slice(2)).toEqual([[first.id, later.id]]);
      expect([...db.effects]).toEqual([other.id, first.id, later.id]);
    },
  );

  it('holds the partition while the whole connector is down, and counts the retries across rebalances', async () => {
    const event = deal('a');
    let calls = 0;
    const { db, deliver } = await transportWith(
      async (chunk, context) => {
        for (const each of chunk)
          await context.within(each, () => {
            calls += 1;
            return Promise.reject(
              new DownstreamError('transient', 'erp', 'erp: circuit open', { circuitOpen: true }),
            );
          });
      },
      { maxAttempts: 3 },
    );
    const batch = messages([event], ['a']);

    // Each owner tries once, then loses the partition while waiting for the retry.
    for (let owner = 1; owner <= 3; owner += 1) {
      const before = calls;
      await deliver(batch, () => calls === before);
      if (owner < 3) expect(db.parked.size).toBe(0);
    }

    expect(calls).toBe(3);
    expect(db.deadLetters.map((record) => record.headers['x-dead-letter-code'])).toEqual([
      'retries_exhausted',
    ]);
    expect(db.inbox.get(event.id)).toBe('dead_lettered');
  });
});
