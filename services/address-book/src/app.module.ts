import { Module } from '@nestjs/common';

import { ConnectorModule, connectorEnvClasses } from '@switchboard/connectors';
import { PlatformModule } from '@switchboard/platform';

import { ContactsModule } from './contacts/contacts.module';
import { addressBookService } from './service.definition';

@Module({
  imports: [
    PlatformModule.forService(addressBookService, { env: connectorEnvClasses('contacts') }),
    ConnectorModule.forDownstream('contacts'),
    ContactsModule,
  ],
})
export class AppModule {}
