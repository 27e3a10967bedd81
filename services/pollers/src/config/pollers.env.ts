import { Type } from 'class-transformer';
import { IsEmpty, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';

import { EnvBoolean, IsSecret } from '@switchboard/platform';

/** What a job's conditional settings see of the raw environment (validateEnv gives every class all of it). */
interface RawPollersEnv {
  TRYTON_PARTIES_POLL_ENABLED?: string | boolean;
  RT_ESCALATIONS_POLL_ENABLED?: string | boolean;
  TRYTON_PASSWORD_FILE?: string;
  RT_PASSWORD_FILE?: string;
  INGEST_SECRET_ERP_FILE?: string;
  INGEST_SECRET_SUPPORT_FILE?: string;
  CRM_PARTIES_POLL_ENABLED?: string | boolean;
  CRM_OPPORTUNITIES_POLL_ENABLED?: string | boolean;
  CRM_PASSWORD_FILE?: string;
  INGEST_SECRET_CRM_FILE?: string;
}

/** A job is on unless its switch says `false` (the raw string, before the class converted it). */
const enabled = (value: string | boolean | undefined): boolean => value !== false && value !== 'false';
const trytonOn = (env: RawPollersEnv): boolean => enabled(env.TRYTON_PARTIES_POLL_ENABLED);
const rtOn = (env: RawPollersEnv): boolean => enabled(env.RT_ESCALATIONS_POLL_ENABLED);
/**
 * Either CRM job needs the CRM and the crm source's secret. The opportunities job is off unless
 * switched on (its own settings: crm-opportunities.env.ts).
 */
const crmOn = (env: RawPollersEnv): boolean =>
  enabled(env.CRM_PARTIES_POLL_ENABLED) ||
  env.CRM_OPPORTUNITIES_POLL_ENABLED === true ||
  env.CRM_OPPORTUNITIES_POLL_ENABLED === 'true';

/**
 * The pollers' settings: where ingest is, one section per watched system (each job can be switched
 * off, and only an enabled job's settings are required), and the leader election's timing.
 *
 * Each job posts as its own source (`erp`, `support`, `crm`) with that source's secret only
 * (INGEST_SECRET_ERP, INGEST_SECRET_SUPPORT, INGEST_SECRET_CRM, or their _FILE). ingest's whole
 * INGEST_SOURCE_SECRETS is refused: whoever reads this process's environment could sign as every source.
 */
export class PollersEnv {
  @Matches(/^https?:\/\/.+/, { message: 'must be the http(s) URL of ingest' })
  INGEST_URL!: string;

  @ValidateIf((env: { INGEST_SOURCE_SECRETS?: string }) => env.INGEST_SOURCE_SECRETS !== undefined)
  @IsEmpty({
    message:
      "must not be set: the pollers hold only their sources' secrets (INGEST_SECRET_ERP, INGEST_SECRET_SUPPORT, INGEST_SECRET_CRM), never ingest's list of every source's",
  })
  INGEST_SOURCE_SECRETS?: string;

  /** How often a standby replica tries to become the leader (a dead leader is replaced within this). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  POLLERS_LEADER_RETRY_MS = 2_000;

  /** Longest a query of the leader's session may take before the session is taken for dead. */
  @Type(() => Number)
  @IsInt()
  @Min(500)
  @Max(60_000)
  POLLERS_LEADER_QUERY_TIMEOUT_MS = 5_000;

  /**
   * Each pass reads from this many seconds before its checkpoint: a change committed late with an
   * older timestamp is still seen; what was posted already is a duplicate for ingest.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400)
  POLLERS_OVERLAP_SECONDS = 60;

  /** Where a job without a checkpoint row starts (RFC 3339); default now: history is the initial load's job. */
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}T.+/, { message: 'must be an RFC 3339 time' })
  POLLERS_START_AT?: string;

  // --- Tryton parties -> customer_updated (as the `erp` source) ---

  @EnvBoolean()
  TRYTON_PARTIES_POLL_ENABLED = true;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  TRYTON_PARTIES_POLL_MS = 30_000;

  @ValidateIf(trytonOn)
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL when the Tryton parties poller is on' })
  TRYTON_URL?: string;

  @ValidateIf(trytonOn)
  @IsString()
  TRYTON_DATABASE?: string;

  @ValidateIf(trytonOn)
  @IsString()
  TRYTON_USER?: string;

  /** Or TRYTON_PASSWORD_FILE, a mounted secret re-read at every login. No default on purpose. */
  @ValidateIf((env: RawPollersEnv) => trytonOn(env) && !env.TRYTON_PASSWORD_FILE)
  @IsString({
    message: 'TRYTON_PASSWORD or TRYTON_PASSWORD_FILE is required when the Tryton parties poller is on',
  })
  TRYTON_PASSWORD?: string;

  @IsOptional()
  @IsString()
  TRYTON_PASSWORD_FILE?: string;

  @ValidateIf((env: RawPollersEnv) => trytonOn(env) && !env.INGEST_SECRET_ERP_FILE)
  @IsString({
    message:
      "INGEST_SECRET_ERP (or INGEST_SECRET_ERP_FILE), the erp source's secret, is required when the Tryton parties poller is on",
  })
  @IsSecret('the erp source')
  INGEST_SECRET_ERP?: string;

  @IsOptional()
  @IsString()
  INGEST_SECRET_ERP_FILE?: string;

  // --- Request Tracker escalations -> ticket_escalated (as the `support` source) ---

  @EnvBoolean()
  RT_ESCALATIONS_POLL_ENABLED = true;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  RT_ESCALATIONS_POLL_MS = 30_000;

  /** The priority from which a ticket counts as escalated. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  RT_ESCALATION_PRIORITY = 80;

  @ValidateIf(rtOn)
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL when the RT escalations poller is on' })
  RT_URL?: string;

  @ValidateIf(rtOn)
  @IsString()
  RT_USER?: string;

  @ValidateIf((env: RawPollersEnv) => rtOn(env) && !env.RT_PASSWORD_FILE)
  @IsString({ message: 'RT_PASSWORD or RT_PASSWORD_FILE is required when the RT escalations poller is on' })
  RT_PASSWORD?: string;

  @IsOptional()
  @IsString()
  RT_PASSWORD_FILE?: string;

  @IsString()
  RT_QUEUE = 'Onboarding';

  @ValidateIf((env: RawPollersEnv) => rtOn(env) && !env.INGEST_SECRET_SUPPORT_FILE)
  @IsString({
    message:
      "INGEST_SECRET_SUPPORT (or INGEST_SECRET_SUPPORT_FILE), the support source's secret, is required when the RT escalations poller is on",
  })
  @IsSecret('the support source')
  INGEST_SECRET_SUPPORT?: string;

  @IsOptional()
  @IsString()
  INGEST_SECRET_SUPPORT_FILE?: string;

  // --- The CRM: its parties (accounts and contacts) -> customer_updated; its opportunities (as the `crm` source) ---

  @EnvBoolean()
  CRM_PARTIES_POLL_ENABLED = true;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  CRM_PARTIES_POLL_MS = 30_000;

  @ValidateIf(crmOn)
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL when a CRM poller is on' })
  CRM_URL?: string;

  @ValidateIf(crmOn)
  @IsString()
  CRM_DATABASE?: string;

  @ValidateIf(crmOn)
  @IsString()
  CRM_USER?: string;

  /** Or CRM_PASSWORD_FILE, a mounted secret re-read at every login. No default on purpose. */
  @ValidateIf((env: RawPollersEnv) => crmOn(env) && !env.CRM_PASSWORD_FILE)
  @IsString({ message: 'CRM_PASSWORD or CRM_PASSWORD_FILE is required when a CRM poller is on' })
  CRM_PASSWORD?: string;

  @IsOptional()
  @IsString()
  CRM_PASSWORD_FILE?: string;

  @ValidateIf((env: RawPollersEnv) => crmOn(env) && !env.INGEST_SECRET_CRM_FILE)
  @IsString({
    message:
      "INGEST_SECRET_CRM (or INGEST_SECRET_CRM_FILE), the crm source's secret, is required when a CRM poller is on",
  })
  @IsSecret('the crm source')
  INGEST_SECRET_CRM?: string;

  @IsOptional()
  @IsString()
  INGEST_SECRET_CRM_FILE?: string;
}
