// A fetch response is bounded as a whole, not only per partition: a member assigned many partitions
// with a backlog must not receive all of their maxBytesPerPartition at once (Kafka's own default
// would allow 50 MiB), since every message it holds keeps its response's buffer alive, and a
// compressed response holds several times its size once decompressed. Real broker of deploy/stack.sh.
import { tracingChannel } from 'node:diagnostics_channel';

import { KafkaBatchConsumer, KafkaPublisher, ensureTopics } from '@switchboard/kafka';

import { commitEachPartition, dropTopicsAndGroups } from '../support/kafka';
import { kafkaBrokers, uniqueName, waitFor } from '../support/stack';

jest.setTimeout(120_000);

const PARTITIONS = 6;
const MESSAGES = 9_000;
const VALUE_BYTES = 1_024;
const MIB = 1_048_576;

/** The record batches of one fetch response, as the client hands them to diagnostics subscribers. */
interface FetchResponse {
  responses: Array<{ partitions: Array<{ records: Array<{ length: number }> | null }> }>;
}

/** Bytes of record batches in a fetch response (each batch's length field plus its 12-byte prefix). */
function responseBytes(response: FetchResponse): { total: number; largestBatch: number } {
  let total = 0;
  let largestBatch = 0;
  for (const topic of response.responses)
    for (const partition of topic.partitions)
      for (const batch of partition.records ?? []) {
        total += batch.length + 12;
        largestBatch = Math.max(largestBatch, batch.length + 12);
      }
  return { total, largestBatch };
}

describe('KafkaBatchConsumer: the size of one fetch', () => {
  const run = uniqueName('fetch-bound');
  const connection = { clientId: run, brokers: kafkaBrokers() };
  const topic = `test.${run}`;
  const groupId = `group-${run}`;
  const fetches: Array<{ total: number; largestBatch: number }> = [];
  const fetchEnded = tracingChannel<unknown, { result?: FetchResponse }>('plt:kafka:consumer:fetches');
  const ignore = () => undefined;
  const onFetch = {
    start: ignore,
    end: ignore,
    asyncStart: ignore,
    error: ignore,
    asyncEnd: (context: { result?: FetchResponse }) => {
      if (context.result) fetches.push(responseBytes(context.result));
    },
  };
  let consumer: KafkaBatchConsumer | undefined;

  beforeAll(async () => {
    await ensureTopics(connection, [{ name: topic, partitions: PARTITIONS }]);
    const producer = new KafkaPublisher(connection);
    await producer.connect();
    const value = 'x'.repeat(VALUE_BYTES);
    for (let first = 0; first < MESSAGES; first += 500)
      await producer.publish(
        Array.from({ length: 500 }, (_, n) => ({ topic, key: `k${first + n}`, value, headers: {} })),
      );
    await producer.disconnect();
  });

  afterAll(async () => {
    fetchEnded.unsubscribe(onFetch);
    await consumer?.disconnect().catch(() => undefined);
    await dropTopicsAndGroups([topic], [groupId]);
  });

  it('asks for at most 2 MiB per fetch while every partition holds more than a fetch', async () => {
    fetchEnded.subscribe(onFetch);
    let handled = 0;
    consumer = new KafkaBatchConsumer(connection, { groupId });
    await consumer.run([topic], async (batch, controls) => {
      await commitEachPartition(batch, controls);
      handled += batch.messages.length;
    });
    await waitFor(() => handled >= MESSAGES, `all ${MESSAGES} messages`, 60_000, 50);

    // 9 MiB over six partitions: without the bound, the first fetch alone would carry 6 MiB (1 MiB
    // from each partition).
    const carrying = fetches.filter(({ total }) => total > 0);
    expect(carrying.reduce((sum, { total }) => sum + total, 0)).toBeGreaterThanOrEqual(
      MESSAGES * VALUE_BYTES,
    );
    // The broker may exceed the bound by one record batch, so that a fetch always makes progress.
    for (const { total, largestBatch } of carrying) expect(total).toBeLessThanOrEqual(2 * MIB + largestBatch);
    expect(carrying.length).toBeGreaterThanOrEqual(5);
  });
});
