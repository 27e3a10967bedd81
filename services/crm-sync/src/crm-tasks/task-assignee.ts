/** Who a requested CRM task goes to. */
export type TaskAssignment =
  /** The requested assignee (the account's owner, or already the default owner). */
  | { assign: true; assignee: string; fallback: false }
  /** The CRM does not know the requested login: the default owner gets the task instead. */
  | { assign: true; assignee: string; fallback: true }
  /** The CRM knows neither: nobody could act on the task. */
  | { assign: false };

/**
 * The CRM user a task is assigned to: the requested assignee when the CRM knows the login, else
 * the configured default owner (the same rule customer-sync applies to accounts without an owner),
 * else nobody.
 */
export function assignTask(
  requested: string,
  defaultOwner: string,
  known: readonly string[],
): TaskAssignment {
  if (known.includes(requested)) return { assign: true, assignee: requested, fallback: false };
  if (known.includes(defaultOwner)) return { assign: true, assignee: defaultOwner, fallback: true };
  return { assign: false };
}
