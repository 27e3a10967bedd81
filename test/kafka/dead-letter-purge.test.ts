// `switchboard dlq purge` deletes the dead letters the operator named and nothing else: not a letter
// that arrived after they listed the topic, not one below the cut that they left out. Real broker of
// deploy/stack.sh, a dead-letter topic of this run's own.
import { Admin } from '@platformatic/kafka';

import { KafkaPublisher, ensureTopics, purgeTopic } from '@switchboard/kafka';

import { listDeadLetters, purgePlan } from '@switchboard/inbox';
import { kafkaBrokers, uniqueName } from '../support/stack';

jest.setTimeout(60_000);

describe('purging named dead letters', () => {
  const service = uniqueName('purge');
  const topic = `switchboard.dlq.${service}`;
  const connection = { clientId: service, brokers: kafkaBrokers() };
  const producer = new KafkaPublisher(connection);

  const deadLetter = (eventId: string) =>
    producer.publish([
      {
        topic,
        key: eventId,
        value: JSON.stringify({ eventId, errorClass: 'validation', failedAt: new Date().toISOString() }),
        headers: {},
      },
    ]);
  const listed = async () =>
    (await listDeadLetters(connection, [service])).map(({ letter }) => letter.eventId);

  beforeAll(async () => {
    await ensureTopics(connection, [{ name: topic, partitions: 1 }]);
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    const admin = new Admin({ clientId: service, bootstrapBrokers: kafkaBrokers() });
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.close();
  });

  it('keeps a letter that arrived after the listing, and refuses a cut through an unnamed one', async () => {
    for (const id of ['a', 'b', 'c']) await deadLetter(id);
    const seenByOperator = (await listDeadLetters(connection, [service])).map(({ ref }) => ref);
    await deadLetter('late');

    const plan = purgePlan(await listDeadLetters(connection, [service]), seenByOperator);
    expect(plan).toEqual({ before: [{ partition: 0, offset: '3' }], unnamed: [], unknown: [] });
    expect(await purgeTopic(connection, topic, plan.before)).toBe(3);
    expect(await listed()).toEqual(['late']);

    // Naming only a letter behind 'late' would delete 'late' too: the plan says so, and names it.
    await deadLetter('later');
    const current = await listDeadLetters(connection, [service]);
    const [late, later] = current.map(({ ref }) => ref);
    expect(purgePlan(current, [later, `${service}:0:999`])).toEqual({
      before: [{ partition: 0, offset: '5' }],
      unnamed: [late],
      unknown: [`${service}:0:999`],
    });
  });
});
