import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** customer-sync's own settings; validated at boot with the platform's. */
export class CustomerSyncEnv {
  /** The ownership file (YAML or JSON), relative to the working directory. */
  @IsString()
  CUSTOMER_SYNC_OWNERSHIP_FILE = 'deploy/ownership.yaml';

  /**
   * API tokens: `<name>:<role>[+<role>]:<token>` separated by commas, tokens of 24+ characters.
   * Roles: `viewer` reads customers, audit and the review queue; `data-steward` also resolves reviews.
   */
  @Matches(/^[\w.@-]+:[\w+-]+:[^,:\s]{24,}(,[\w.@-]+:[\w+-]+:[^,:\s]{24,})*$/, {
    message: 'must be <name>:<role>[+<role>]:<token of 24+ characters>, comma-separated',
  })
  CUSTOMER_SYNC_API_TOKENS!: string;

  /** Where each sync report (per run window and per initial load) is POSTed as JSON; unset: not sent. */
  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL' })
  CUSTOMER_SYNC_REPORT_WEBHOOK_URL?: string;

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
}
