import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';

import type { DownstreamKind } from '@switchboard/downstream';

/**
 * Where a consumer writes its effect: its own tables (`builtin`, the default) or a downstream
 * REST system (`http`). Credentials come from the environment or a mounted secret file only.
 */
export class DownstreamEnv {
  /** `real`: erp and finance write to Tryton, support to Request Tracker, contacts to CardDAV (docs/real-systems.md). */
  @IsIn(['builtin', 'http', 'real'])
  DOWNSTREAM_MODE = 'builtin';

  @ValidateIf((env: DownstreamEnv) => env.DOWNSTREAM_MODE === 'http')
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL when DOWNSTREAM_MODE=http' })
  DOWNSTREAM_URL?: string;

  @IsOptional()
  @IsString()
  DOWNSTREAM_TOKEN?: string;

  @IsOptional()
  @IsString()
  DOWNSTREAM_TOKEN_FILE?: string;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  DOWNSTREAM_TIMEOUT_MS = 5_000;

  /** The largest answer body a connector reads; past it the call fails (transient) unread. */
  @Type(() => Number)
  @IsInt()
  @Min(1_024)
  DOWNSTREAM_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

  /** The longest Retry-After obeyed: a downstream asking for more is retried after this. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  DOWNSTREAM_MAX_RETRY_AFTER_SECONDS = 300;
}

/** What a real-system class sees of the raw environment (validateEnv gives every class all of it). */
interface RealModeEnv {
  DOWNSTREAM_MODE?: string;
  TRYTON_PASSWORD_FILE?: string;
  RT_PASSWORD_FILE?: string;
  CRM_PASSWORD_FILE?: string;
  CARDDAV_PASSWORD_FILE?: string;
}

/** Tryton's settings, validated only for the services that write to it (erp, finance) in `real` mode. */
export class TrytonEnv {
  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real')
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL when DOWNSTREAM_MODE=real' })
  TRYTON_URL?: string;

  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real')
  @IsString()
  TRYTON_DATABASE?: string;

  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real')
  @IsString()
  TRYTON_USER?: string;

  /** Or TRYTON_PASSWORD_FILE, a mounted secret re-read at every login. No default on purpose. */
  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real' && !env.TRYTON_PASSWORD_FILE)
  @IsString({ message: 'TRYTON_PASSWORD or TRYTON_PASSWORD_FILE is required when DOWNSTREAM_MODE=real' })
  TRYTON_PASSWORD?: string;

  @IsOptional()
  @IsString()
  TRYTON_PASSWORD_FILE?: string;

  /**
   * Who makes the Tryton invoice: the confirmed sale (`sale`, finance posts it) or finance itself
   * (`finance`, sales then make none). Both erp-orders and finance-invoicing must agree.
   */
  @IsIn(['sale', 'finance'])
  TRYTON_INVOICING = 'sale';
}

/** Request Tracker's settings, validated only for support-onboarding in `real` mode. */
export class RequestTrackerEnv {
  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real')
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL when DOWNSTREAM_MODE=real' })
  RT_URL?: string;

  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real')
  @IsString()
  RT_USER?: string;

  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real' && !env.RT_PASSWORD_FILE)
  @IsString({ message: 'RT_PASSWORD or RT_PASSWORD_FILE is required when DOWNSTREAM_MODE=real' })
  RT_PASSWORD?: string;

  @IsOptional()
  @IsString()
  RT_PASSWORD_FILE?: string;

  @IsString()
  RT_QUEUE = 'Onboarding';
}

/** The CRM's settings (a Tryton database with the CRM modules), validated only for crm-sync in `real` mode. */
export class CrmEnv {
  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real')
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL when DOWNSTREAM_MODE=real' })
  CRM_URL?: string;

  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real')
  @IsString()
  CRM_DATABASE?: string;

  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real')
  @IsString()
  CRM_USER?: string;

  /** Or CRM_PASSWORD_FILE, a mounted secret re-read at every login. No default on purpose. */
  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real' && !env.CRM_PASSWORD_FILE)
  @IsString({ message: 'CRM_PASSWORD or CRM_PASSWORD_FILE is required when DOWNSTREAM_MODE=real' })
  CRM_PASSWORD?: string;

  @IsOptional()
  @IsString()
  CRM_PASSWORD_FILE?: string;
}

/** The contacts address book's settings (CardDAV), validated only for address-book in `real` mode. */
export class CardDavEnv {
  /** The address book collection, e.g. `http://127.0.0.1:5232/switchboard/contacts/`. */
  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real')
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL when DOWNSTREAM_MODE=real' })
  CARDDAV_URL?: string;

  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real')
  @IsString()
  CARDDAV_USER?: string;

  @ValidateIf((env: RealModeEnv) => env.DOWNSTREAM_MODE === 'real' && !env.CARDDAV_PASSWORD_FILE)
  @IsString({ message: 'CARDDAV_PASSWORD or CARDDAV_PASSWORD_FILE is required when DOWNSTREAM_MODE=real' })
  CARDDAV_PASSWORD?: string;

  @IsOptional()
  @IsString()
  CARDDAV_PASSWORD_FILE?: string;
}

type EnvClass = new () => object;

/**
 * The env classes of a service's downstream, for `PlatformModule.forService(definition, { env })`:
 * erp-orders in `real` mode needs Tryton's settings, not Request Tracker's (one class for both made
 * every real-mode service require both systems' settings).
 */
export function connectorEnvClasses(downstream: DownstreamKind): EnvClass[] {
  switch (downstream) {
    case 'erp':
    case 'finance':
      return [DownstreamEnv, TrytonEnv];
    case 'support':
      return [DownstreamEnv, RequestTrackerEnv];
    case 'contacts':
      return [DownstreamEnv, CardDavEnv];
    case 'crm':
      return [DownstreamEnv, CrmEnv];
    case 'marketing':
      return [DownstreamEnv];
  }
}
