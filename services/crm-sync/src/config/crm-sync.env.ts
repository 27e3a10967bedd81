import { IsString, Matches } from 'class-validator';

/** crm-sync's own settings; validated at boot with the platform's and the CRM connector's. */
export class CrmSyncEnv {
  /**
   * The CRM login that owns the leads from web forms, the shop and support, and gets a task whose
   * assignee the CRM does not know (left, renamed, never created there): the ownership file's
   * `defaultAccountOwner`, as the CRM spells it.
   */
  @IsString()
  @Matches(/^\S+$/, { message: 'must be one CRM login' })
  CRM_SYNC_DEFAULT_OWNER = 'crm-default-owner';
}
