import { Module } from '@nestjs/common';

import { PlatformModule } from '@switchboard/platform';

import { NullConsumer } from './null.consumer';
import { nullConsumerService } from './service.definition';

@Module({ imports: [PlatformModule.forService(nullConsumerService)], controllers: [NullConsumer] })
export class AppModule {}
