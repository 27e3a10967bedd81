// Imported first by main.ts: ConfigModule reads the environment when the app module is imported.
//
// Ingest's rate limit is per source system, not per API token: a source posts its whole stream
// through it, so its default is far above the read APIs' (about 330 requests/s sustained, above what
// one replica accepts, BENCHMARKS.md); set it per deployment to what each source really sends.
process.env.RATE_LIMIT_MAX_REQUESTS ??= '20000';

export {};
