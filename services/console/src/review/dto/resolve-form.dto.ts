import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

import { ConsoleError, ConsoleErrorCode } from '../../console.errors';
import type { ResolveRequest } from '../../customer-sync/customer-sync.types';

/** The resolve form (and the JSON API's body): exactly one choice, each a string as a form sends it. */
export class ResolveFormDto {
  @ApiPropertyOptional({
    pattern: '^\\d{1,3}$',
    example: '0',
    description: 'The index of a held value (a conflict)',
  })
  @IsOptional()
  @Matches(/^\d{1,3}$/)
  candidate?: string;

  @ApiPropertyOptional({
    maxLength: 2_000,
    description: 'A value of your own (a conflict); blank clears the field',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2_000)
  value?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The right customer (an ambiguous match)' })
  @IsOptional()
  @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({
    enum: ['true'],
    description: 'None of the candidates: a new customer (an ambiguous match)',
  })
  @IsOptional()
  @IsIn(['true'])
  createNew?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The candidates are one customer: the others are merged into this one (an ambiguous match)',
  })
  @IsOptional()
  @IsUUID()
  mergeInto?: string;

  /** Checked by the guard; listed so the whitelist keeps it out of the decision. */
  @ApiPropertyOptional({ description: 'The CSRF token, when not sent as the `x-csrf-token` header' })
  @IsOptional()
  @IsString()
  _csrf?: string;
}

export function toResolveRequest(form: ResolveFormDto): ResolveRequest {
  const offered: Array<ResolveRequest | null> = [
    form.candidate !== undefined ? { candidate: Number(form.candidate) } : null,
    form.value !== undefined ? { value: form.value.trim() === '' ? null : form.value.trim() } : null,
    form.customerId !== undefined ? { customerId: form.customerId } : null,
    form.createNew === 'true' ? { createNew: true } : null,
    form.mergeInto !== undefined ? { mergeInto: form.mergeInto } : null,
  ];
  const choices = offered.filter((choice): choice is ResolveRequest => choice !== null);
  if (choices.length !== 1) {
    throw new ConsoleError(
      ConsoleErrorCode.Invalid,
      'Choose exactly one: a value, your own value, a customer, a new one, or a customer to merge into',
    );
  }
  return choices[0];
}
