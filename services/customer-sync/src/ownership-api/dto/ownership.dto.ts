import { ApiProperty, getSchemaPath } from '@nestjs/swagger';

import { CONFLICT_STRATEGIES, type ConflictStrategy } from '@switchboard/master-data';

/** A field's rule as the API states it. */
export class FieldRuleDto {
  @ApiProperty({ example: 'crm', description: 'The system of record' })
  master!: string;

  @ApiProperty({ type: [String], description: 'Other systems whose changes are accepted too' })
  writers!: string[];

  @ApiProperty({ type: [String], description: "Systems that get the field's changes" })
  receivers!: string[];

  @ApiProperty({ enum: CONFLICT_STRATEGIES })
  strategy!: ConflictStrategy;

  @ApiProperty({ description: 'Never cleared; a new record without it is refused' })
  required!: boolean;

  @ApiProperty({ description: 'Two changes from different systems closer than this are a conflict' })
  conflictWindowSeconds!: number;
}

export class OwnershipDto {
  @ApiProperty({ example: '1' })
  version!: string;

  @ApiProperty({ description: 'The owner of an account that names none (the default-owner rule)' })
  defaultAccountOwner!: string;

  @ApiProperty({
    type: 'object',
    description: "Per entity (account, contact), each field's rule by field name",
    additionalProperties: {
      type: 'object',
      additionalProperties: { $ref: getSchemaPath(FieldRuleDto) },
    },
  })
  entities!: Record<string, Record<string, FieldRuleDto>>;
}
