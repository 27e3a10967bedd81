// The environment of the pollers service in local runs and tests, made from the local stack's one:
// each job gets the secret of the one source it posts as, never ingest's whole list.

/** The one source secret to hand the pollers, taken from ingest's list (the later of two: a rotation). */
export function secretOfSource(sourceSecrets: string, source: string): string | undefined {
  return sourceSecrets
    .split(',')
    .filter((pair) => pair.slice(0, pair.indexOf('=')) === source)
    .map((pair) => pair.slice(pair.indexOf('=') + 1))
    .at(-1);
}

/** `env` without INGEST_SOURCE_SECRETS, with the erp, support and crm secrets and where ingest is. */
export function pollersEnv(env: NodeJS.ProcessEnv, ingestUrl: string): NodeJS.ProcessEnv {
  const { INGEST_SOURCE_SECRETS: all = '', ...rest } = env;
  return {
    ...rest,
    INGEST_URL: ingestUrl,
    INGEST_SECRET_ERP: secretOfSource(all, 'erp'),
    INGEST_SECRET_SUPPORT: secretOfSource(all, 'support'),
    INGEST_SECRET_CRM: secretOfSource(all, 'crm'),
  };
}
