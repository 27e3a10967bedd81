import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';

import { ApiExtraModels, ApiOkResponse } from '@nestjs/swagger';

import type { FieldPolicy } from '@switchboard/master-data';
import { ApiTokenGuard, RequireRole, TokenThrottlerGuard } from '@switchboard/platform';

import { SyncRules } from '../config/sync-rules';

import { FieldRuleDto, OwnershipDto } from './dto/ownership.dto';

function ruleOf(policy: FieldPolicy): FieldRuleDto {
  return {
    master: policy.master,
    writers: policy.writers,
    receivers: policy.receivers,
    strategy: policy.strategy,
    required: policy.required,
    conflictWindowSeconds: policy.conflictWindowMs / 1000,
  };
}

/**
 * The ownership rules in force (the file reloads without a restart): who masters, writes and
 * receives each field and how its conflicts resolve. The console shows a review item's rule from it.
 */
@ApiExtraModels(FieldRuleDto)
@Controller('v1/ownership')
@UseGuards(ApiTokenGuard, TokenThrottlerGuard)
export class OwnershipController {
  constructor(@Inject(ModuleRef) private readonly modules: ModuleRef) {}

  @Get()
  @RequireRole('viewer')
  @ApiOkResponse({ type: OwnershipDto })
  current(): OwnershipDto {
    // SyncRules lives in SyncModule; read from there, not a second copy of the file.
    const { config } = this.modules.get(SyncRules, { strict: false }).current();
    const entities: OwnershipDto['entities'] = {};
    for (const [entity, policy] of Object.entries(config.entities)) {
      entities[entity] = Object.fromEntries(
        Object.values(policy.fields)
          .filter((field): field is FieldPolicy => field !== undefined)
          .map((field) => [field.field, ruleOf(field)]),
      );
    }
    return { version: config.version, defaultAccountOwner: config.defaultAccountOwner, entities };
  }
}
