import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Min, ValidateIf } from 'class-validator';

import { EnvBoolean } from '@switchboard/platform';

interface RawCrmOpportunitiesEnv {
  CRM_OPPORTUNITIES_POLL_ENABLED?: string | boolean;
}

/** Off unless switched on: a deployment without a CRM of its own (the built-in stores) has nothing to watch. */
const on = (env: RawCrmOpportunitiesEnv): boolean =>
  env.CRM_OPPORTUNITIES_POLL_ENABLED === true || env.CRM_OPPORTUNITIES_POLL_ENABLED === 'true';

/**
 * The CRM opportunities job: won opportunities -> deal_won (as the `crm` source, with that source's
 * secret only), unowned leads from outside sales -> the default owner. Its settings are required only
 * when it is on; the CRM's address and the crm source's secret are the pollers' (pollers.env.ts).
 */
export class CrmOpportunitiesEnv {
  @EnvBoolean()
  CRM_OPPORTUNITIES_POLL_ENABLED = false;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  CRM_OPPORTUNITIES_POLL_MS = 30_000;

  /** The tax rate of the deals the CRM's won opportunities become (the CRM keeps no tax). No default on purpose. */
  @ValidateIf(on)
  @Matches(/^\d{1,3}(\.\d{1,4})?$/, {
    message: 'must be a percentage (e.g. 19) when the CRM opportunities poller is on',
  })
  CRM_DEAL_TAX_RATE_PERCENT?: string;

  /** The CRM groups whose members are sales users (their own leads keep no owner until they pick one). */
  @IsString()
  CRM_SALES_GROUPS = 'Sales,Sales Administrator';

  /** The ownership rules (deploy/ownership.yaml): their defaultAccountOwner gets the leads from outside sales. */
  @ValidateIf(on)
  @IsString({ message: 'POLLERS_OWNERSHIP_FILE is required when the CRM opportunities poller is on' })
  POLLERS_OWNERSHIP_FILE?: string;
}
