/** NOTIFY channel the insert trigger signals; one per service schema. */
export function outboxChannel(schema: string): string {
  return `outbox_${schema}`;
}

/** Advisory-lock name that elects the single active relay of one outbox, whatever the replica count. */
export function outboxLockKey(schema: string): string {
  return `switchboard.outbox.${schema}`;
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Invalid schema name "${name}"`);
  return `"${name}"`;
}
