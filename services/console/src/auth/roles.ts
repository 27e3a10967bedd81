/**
 * The console's roles. `viewer` reads everything with personal data masked; `data-steward` also
 * sees personal data and resolves reviews; `operator` replays and purges dead letters; `sales` sees
 * the customers it owns (and nothing else).
 */
export const CONSOLE_ROLES = ['viewer', 'data-steward', 'operator', 'sales'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

export function isConsoleRole(value: string): value is ConsoleRole {
  return (CONSOLE_ROLES as readonly string[]).includes(value);
}

/** What a page or action needs; every route names one. */
export type Permission =
  | 'review:read'
  | 'review:resolve'
  | 'customers:read'
  | 'personal-data:read'
  | 'dead-letters:read'
  | 'dead-letters:replay'
  | 'flow:read'
  | 'audit:read';

const GRANTS: Record<ConsoleRole, readonly Permission[]> = {
  viewer: ['review:read', 'customers:read', 'dead-letters:read', 'flow:read', 'audit:read'],
  'data-steward': [
    'review:read',
    'review:resolve',
    'customers:read',
    'personal-data:read',
    'flow:read',
    'audit:read',
  ],
  operator: [
    'review:read',
    'customers:read',
    'dead-letters:read',
    'dead-letters:replay',
    'flow:read',
    'audit:read',
  ],
  // Their own customers only (see ownedBy): the personal data of those is theirs to see.
  sales: ['customers:read', 'personal-data:read'],
};

export function can(roles: readonly ConsoleRole[], permission: Permission): boolean {
  return roles.some((role) => GRANTS[role].includes(permission));
}

/**
 * Sales users see only their own customers; everyone whose roles read customers otherwise sees all.
 * Returns the owner a user's customer reads are limited to, or null for no limit.
 */
export function ownerScopeOf(user: { name: string; roles: readonly ConsoleRole[] }): string | null {
  const unrestricted = user.roles.some((role) => role !== 'sales' && GRANTS[role].includes('customers:read'));
  return unrestricted ? null : user.name;
}

/** The roles that hold a permission (what the API documentation tells a reader to ask for). */
export function rolesGranting(permission: Permission): ConsoleRole[] {
  return CONSOLE_ROLES.filter((role) => GRANTS[role].includes(permission));
}
