import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';

import { IsSecretList } from '@switchboard/platform';

import { sourceSecretPairs } from '../auth/source-credentials';

export class IngestEnv {
  /**
   * HMAC secrets per source system, `source=secret` pairs separated by commas (e.g.
   * `crm=...,finance=...`); a source listed twice has two active secrets, for a rotation without
   * downtime. A secret may contain `=`. At least 24 characters, no two sources alike, and no
   * development secret (`...change-me`) when NODE_ENV=production. Mounted from a Kubernetes Secret.
   */
  @Matches(/^[a-z]+=[^,\s]+(,[a-z]+=[^,\s]+)*$/, {
    message: 'must be source=secret pairs separated by commas',
  })
  @IsSecretList(sourceSecretPairs)
  INGEST_SOURCE_SECRETS!: string;

  /** How old (or how far in the future) a signed request's timestamp may be. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(3600)
  INGEST_MAX_CLOCK_SKEW_SECONDS = 300;
}
