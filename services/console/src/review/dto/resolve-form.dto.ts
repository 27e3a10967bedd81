import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

import { ConsoleError, ConsoleErrorCode } from '../../console.errors';
import type { ResolveRequest } from '../../customer-sync/customer-sync.types';

/** The resolve form (and the JSON API's body): exactly one choice. */
export class ResolveFormDto {
  @IsOptional()
  @Matches(/^\d{1,3}$/)
  candidate?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2_000)
  value?: string;

  @IsOptional()
  @IsUUID()
  customerId?: string;

  @IsOptional()
  @IsIn(['true'])
  createNew?: string;

  @IsOptional()
  @IsUUID()
  mergeInto?: string;

  /** Checked by the guard; listed so the whitelist keeps it out of the decision. */
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
