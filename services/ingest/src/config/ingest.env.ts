import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';

export class IngestEnv {
  /**
   * One HMAC secret per source system, `source=secret` pairs separated by commas
   * (e.g. `crm=...,finance=...`). Mounted from a Kubernetes Secret; no default.
   */
  @Matches(/^[a-z]+=[^,\s]{16,}(,[a-z]+=[^,\s]{16,})*$/, {
    message: 'must be source=secret pairs separated by commas, each secret at least 16 characters',
  })
  INGEST_SOURCE_SECRETS!: string;

  /** How old (or how far in the future) a signed request's timestamp may be. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(3600)
  INGEST_MAX_CLOCK_SKEW_SECONDS = 300;
}
