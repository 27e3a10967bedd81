import { Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  type ValidationArguments,
} from 'class-validator';

import { IsSecret, IsSecretList, apiTokenSecrets } from '@switchboard/platform';

/** Plain http is fine locally; in production the report (counts of customers) goes over https. */
function IsHttpsInProduction(): PropertyDecorator {
  return ValidateBy({
    name: 'isHttpsInProduction',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        (args?.object as { NODE_ENV?: string } | undefined)?.NODE_ENV !== 'production' ||
        (typeof value === 'string' && value.startsWith('https://')),
      defaultMessage: () => 'must be an https URL when NODE_ENV=production',
    },
  });
}

/** customer-sync's own settings; validated at boot with the platform's. */
export class CustomerSyncEnv {
  /** The ownership file (YAML or JSON), relative to the working directory. */
  @IsString()
  CUSTOMER_SYNC_OWNERSHIP_FILE = 'deploy/ownership.yaml';

  /**
   * API tokens: `<name>:<role>[+<role>]:<token>` separated by commas, tokens of 24+ characters.
   * Roles: `viewer` reads customers, audit and the review queue; `data-steward` also resolves
   * reviews; `exporter` may bulk-export customers. 24+ characters, none shared, no dev token in production.
   */
  @Matches(/^[\w.@-]+:[\w+-]+:[^,:\s]{24,}(,[\w.@-]+:[\w+-]+:[^,:\s]{24,})*$/, {
    message: 'must be <name>:<role>[+<role>]:<token of 24+ characters>, comma-separated',
  })
  @IsSecretList(apiTokenSecrets)
  CUSTOMER_SYNC_API_TOKENS!: string;

  /** Where each sync report (per run window and per initial load) is POSTed as JSON; unset: not sent. */
  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL' })
  @IsHttpsInProduction()
  CUSTOMER_SYNC_REPORT_WEBHOOK_URL?: string;

  /**
   * The key each report is signed with (HMAC-SHA256, as ingest's callers sign theirs), so the
   * receiver can tell it comes from Switchboard. Required with the webhook URL; 24+ characters.
   */
  @ValidateIf((env: CustomerSyncEnv) => env.CUSTOMER_SYNC_REPORT_WEBHOOK_URL !== undefined)
  @IsString({ message: 'is required with CUSTOMER_SYNC_REPORT_WEBHOOK_URL' })
  @IsSecret('the report webhook')
  CUSTOMER_SYNC_REPORT_WEBHOOK_SECRET?: string;

  /** Length of an incremental run window: one report per window. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  CUSTOMER_SYNC_REPORT_WINDOW_SECONDS = 3_600;

  /** How long a value sent to a system is remembered to recognise it coming back (an echo). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  CUSTOMER_SYNC_ECHO_TTL_HOURS = 168;

  /**
   * How far in the future a source timestamp (`changedAt`, `paidAt`, ...) may be: the clock skew
   * allowed between a source system and Switchboard. A later one is refused (`future_timestamp`).
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400)
  CUSTOMER_SYNC_MAX_FUTURE_SKEW_SECONDS = 300;
}
