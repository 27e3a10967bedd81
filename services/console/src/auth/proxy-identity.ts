import { isConsoleRole, type ConsoleRole } from './roles';

/** oauth2-proxy's header names, the defaults of CONSOLE_PROXY_USER_HEADER and CONSOLE_PROXY_GROUPS_HEADER. */
export const DEFAULT_PROXY_USER_HEADER = 'X-Forwarded-User';
export const DEFAULT_PROXY_GROUPS_HEADER = 'X-Forwarded-Groups';

export interface ProxySettings {
  /** Off unless the deployment puts an OIDC proxy (oauth2-proxy, say) in front of the console. */
  enabled: boolean;
  /** The proxy's addresses: headers from anyone else are ignored (anyone can send a header). */
  trustedAddresses: readonly string[];
  userHeader: string;
  groupsHeader: string;
}

/** `::ffff:10.0.0.5` (IPv4 on a dual-stack socket) is 10.0.0.5. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The user the OIDC proxy vouches for: its user header and its groups header (comma-separated,
 * the console's role names), only when proxy mode is on and the request comes straight from a
 * trusted proxy address. Null otherwise, and the console falls back to its own sign-in.
 */
export function proxyIdentity(
  settings: ProxySettings,
  remoteAddress: string | undefined,
  headers: Record<string, string | string[] | undefined>,
): { name: string; roles: ConsoleRole[] } | null {
  if (!settings.enabled || !remoteAddress) return null;
  if (!settings.trustedAddresses.map(plainAddress).includes(plainAddress(remoteAddress))) return null;
  const name = headers[settings.userHeader.toLowerCase()];
  const groups = headers[settings.groupsHeader.toLowerCase()];
  if (typeof name !== 'string' || !/^[\w.@-]{1,200}$/.test(name)) return null;
  const roles = (typeof groups === 'string' ? groups : '')
    .split(',')
    .map((group) => group.trim())
    .filter(isConsoleRole);
  return { name, roles };
}
