import { Module } from '@nestjs/common';

import { ApiTokenGuard } from '@switchboard/platform';

import { OwnershipController } from './ownership.controller';

/** Read API of the ownership rules in force (GET /v1/ownership). */
@Module({ controllers: [OwnershipController], providers: [ApiTokenGuard] })
export class OwnershipApiModule {}
