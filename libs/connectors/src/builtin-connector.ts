import type { DeliveryReceipt, DownstreamConnector } from '@switchboard/downstream';

/**
 * The default: the consumer's own tables are the system of record (the read APIs serve them), so
 * there is nothing to call.
 */
export class BuiltInConnector implements DownstreamConnector {
  constructor(readonly name: string) {}

  deliver(): Promise<DeliveryReceipt> {
    return Promise.resolve({ externalId: null });
  }
}
