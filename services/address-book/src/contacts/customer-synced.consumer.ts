import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';

import { Topic, type CloudEvent } from '@switchboard/contracts';
import { ChunkPattern, type ChunkContext } from '@switchboard/inbox';

import { ContactsService } from './contacts.service';

@Controller()
export class CustomerSyncedConsumer {
  constructor(private readonly contacts: ContactsService) {}

  @ChunkPattern(Topic.customer_synced)
  onCustomerSynced(
    @Payload() events: Array<CloudEvent<'customer_synced'>>,
    @Ctx() chunk: ChunkContext,
  ): Promise<void> {
    return this.contacts.applySynced(events, chunk);
  }
}
