import type { InboundMessage } from '@switchboard/kafka';

import { commitPoints, doneBeforeWaiting } from './commit-points';

const message = (partition: number, offset: number, topic = 'deal_won'): InboundMessage => ({
  topic,
  partition,
  offset: String(offset),
  key: null,
  value: null,
  headers: {},
  timestamp: '0',
});

const name = ({ topic, partition, offset }: InboundMessage) => `${topic}/${partition}@${offset}`;

describe('commitPoints', () => {
  it('names the last message of the one partition of a chunk', () => {
    expect(commitPoints([message(2, 5), message(2, 6), message(2, 7)]).map(name)).toEqual(['deal_won/2@7']);
  });

  it('names the last message of each partition of a chunk of several', () => {
    const chunk = [message(0, 10), message(0, 11), message(3, 4), message(5, 9), message(5, 10)];
    expect(commitPoints(chunk).map(name)).toEqual(['deal_won/0@11', 'deal_won/3@4', 'deal_won/5@10']);
  });

  it('tells the same partition of two topics apart', () => {
    expect(commitPoints([message(1, 3, 'a'), message(1, 8, 'b')]).map(name)).toEqual(['a/1@3', 'b/1@8']);
  });
});

describe('doneBeforeWaiting', () => {
  const item = (partition: number, offset: number) => ({ message: message(partition, offset) });

  it('keeps, in each partition, what comes before its first waiting item', () => {
    const items = [item(0, 1), item(0, 2), item(0, 3), item(1, 1), item(1, 2), item(2, 7)];
    const waiting = new Set([items[1], items[4]]);
    expect(doneBeforeWaiting(items, waiting).map(({ message: m }) => name(m))).toEqual([
      'deal_won/0@1',
      'deal_won/1@1',
      'deal_won/2@7',
    ]);
  });

  it('keeps nothing of a partition whose first item waits, and everything when nothing does', () => {
    const items = [item(4, 1), item(4, 2)];
    expect(doneBeforeWaiting(items, new Set([items[0]]))).toEqual([]);
    expect(doneBeforeWaiting(items, new Set())).toEqual(items);
  });
});
