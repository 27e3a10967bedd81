import { Module } from '@nestjs/common';

import { ContactsController } from './contacts.controller';
import { ContactsService } from './contacts.service';
import { CustomerSyncedConsumer } from './customer-synced.consumer';

@Module({
  controllers: [ContactsController, CustomerSyncedConsumer],
  providers: [ContactsService],
})
export class ContactsModule {}
