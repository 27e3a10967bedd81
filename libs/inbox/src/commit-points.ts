import type { InboundMessage } from '@switchboard/kafka';

const partitionOf = (message: InboundMessage): string => `${message.topic}\u0000${message.partition}`;

/**
 * The messages an offset commit after a chunk names: the last one of each partition in it. A chunk
 * holds the messages of one partition or of several, each partition's in offset order.
 */
export function commitPoints(messages: readonly InboundMessage[]): InboundMessage[] {
  const last = new Map<string, InboundMessage>();
  for (const message of messages) last.set(partitionOf(message), message);
  return [...last.values()];
}

/**
 * The items of a chunk that are done while some of it waits: in each partition, those before its
 * first waiting one. A partition's offset may not move past an event that is not done, whatever
 * its other partitions did.
 */
export function doneBeforeWaiting<T extends { message: InboundMessage }>(
  items: readonly T[],
  waiting: ReadonlySet<T>,
): T[] {
  const stopped = new Set<string>();
  return items.filter((item) => {
    const partition = partitionOf(item.message);
    if (waiting.has(item)) stopped.add(partition);
    return !stopped.has(partition);
  });
}
