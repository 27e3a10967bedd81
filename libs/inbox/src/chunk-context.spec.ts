import type { EntityManager } from 'typeorm';

import { exampleCloudEvent } from '@switchboard/contracts';
import type { Delivery, DeliveryReceipt, DownstreamConnector } from '@switchboard/downstream';
import type { OutboxWriter } from '@switchboard/outbox';

import { ChunkContext } from './chunk-context';

// deliver uses neither the transaction nor the outbox.
const chunk = () => new ChunkContext({} as EntityManager, {} as OutboxWriter, 'test', new Map());

function writes(count: number) {
  return Array.from({ length: count }, (_, index) => {
    const event = { ...exampleCloudEvent('deal_won'), id: `event-${index}` };
    const delivery: Delivery = {
      operation: 'tickets',
      idempotencyKey: event.id,
      body: exampleCloudEvent('onboarding_ticket_created').data,
    };
    return { event, delivery };
  });
}

function connector(withAll: boolean) {
  const deliver = jest.fn((delivery: Delivery): Promise<DeliveryReceipt> =>
    Promise.resolve({ externalId: delivery.idempotencyKey }),
  );
  const deliverAll = jest.fn((deliveries: Delivery[]): Promise<DeliveryReceipt[]> =>
    Promise.resolve(deliveries.map((delivery) => ({ externalId: `all:${delivery.idempotencyKey}` }))),
  );
  const port: DownstreamConnector = withAll
    ? { name: 'fake', deliver, deliverAll }
    : { name: 'fake', deliver };
  return { port, deliver, deliverAll };
}

describe('ChunkContext.deliver', () => {
  it('hands several writes to deliverAll in one call, receipts in their order', async () => {
    const { port, deliver, deliverAll } = connector(true);
    const batch = writes(3);
    await expect(chunk().deliver(port, batch)).resolves.toEqual([
      { externalId: 'all:event-0' },
      { externalId: 'all:event-1' },
      { externalId: 'all:event-2' },
    ]);
    expect(deliverAll).toHaveBeenCalledTimes(1);
    expect(deliverAll).toHaveBeenCalledWith(batch.map(({ delivery }) => delivery));
    expect(deliver).not.toHaveBeenCalled();
  });

  it('a failure of deliverAll is no single event’s: the transport then replays the chunk one at a time', async () => {
    const { port, deliverAll } = connector(true);
    const failure = new Error('refused');
    deliverAll.mockRejectedValueOnce(failure);
    const context = chunk();
    await expect(context.deliver(port, writes(2))).rejects.toBe(failure);
    expect(context.failedEvent(failure)).toBeNull();
  });

  it('one write, or a connector without deliverAll: one deliver per event, a failure is that event’s', async () => {
    const single = connector(true);
    await expect(chunk().deliver(single.port, writes(1))).resolves.toEqual([{ externalId: 'event-0' }]);
    expect(single.deliverAll).not.toHaveBeenCalled();

    const { port, deliver } = connector(false);
    const failure = new Error('refused');
    deliver.mockResolvedValueOnce({ externalId: 'event-0' }).mockRejectedValueOnce(failure);
    const batch = writes(3);
    const context = chunk();
    await expect(context.deliver(port, batch)).rejects.toBe(failure);
    expect(deliver).toHaveBeenCalledTimes(2);
    expect(context.failedEvent(failure)).toBe(batch[1].event);
  });
});
