import { Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  type ValidationArguments,
} from 'class-validator';

import { parseConsumerTopics } from '@switchboard/inbox';
import { EnvBoolean, IsSecret } from '@switchboard/platform';

import { developmentAccounts, parseAccounts } from '../auth/accounts';
import { DEFAULT_PROXY_GROUPS_HEADER, DEFAULT_PROXY_USER_HEADER } from '../auth/proxy-identity';
import { parseServiceUrls } from '../flow/outbox-age';

function AreConsoleAccounts(): PropertyDecorator {
  return ValidateBy({
    name: 'areConsoleAccounts',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        try {
          parseAccounts(value);
          return true;
        } catch {
          return false;
        }
      },
      defaultMessage: () =>
        'must be <name>:<role>[+<role>]:<scrypt hash>, comma-separated; roles viewer, data-steward, operator, sales (hash one with dist/services/console/src/hash-password.js)',
    },
  });
}

/** The development accounts of a CONSOLE_USERS value, when NODE_ENV says production (else none). */
function developmentAccountsInProduction(value: unknown, args: ValidationArguments): string[] {
  if ((args.object as { NODE_ENV?: unknown }).NODE_ENV !== 'production' || typeof value !== 'string')
    return [];
  try {
    return developmentAccounts(parseAccounts(value));
  } catch {
    // Its format is AreConsoleAccounts' to report.
    return [];
  }
}

/** deploy/local.env's passwords are public: a production console refuses to start with them. */
function NoDevelopmentAccountsInProduction(): PropertyDecorator {
  return ValidateBy({
    name: 'noDevelopmentAccountsInProduction',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        !args || developmentAccountsInProduction(value, args).length === 0,
      defaultMessage: (args?: ValidationArguments) =>
        `the account(s) ${args ? developmentAccountsInProduction(args.value, args).join(', ') : ''} use a development password (deploy/local.env, <name>-change-me) while NODE_ENV=production; hash real ones with dist/services/console/src/hash-password.js`,
    },
  });
}

function IsConsumerTopics(): PropertyDecorator {
  return ValidateBy({
    name: 'isConsumerTopics',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string' || value === '') return false;
        try {
          parseConsumerTopics(value);
          return true;
        } catch {
          return false;
        }
      },
      defaultMessage: () => 'must be <service>=<event type>[+<event type>], comma-separated',
    },
  });
}

function AreServiceUrls(): PropertyDecorator {
  return ValidateBy({
    name: 'areServiceUrls',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        try {
          parseServiceUrls(value);
          return true;
        } catch {
          return false;
        }
      },
      defaultMessage: () => 'must be <service>=<http(s) url>, comma-separated, each service once',
    },
  });
}

/** The console's own settings; validated at boot with the platform's. */
export class ConsoleEnv {
  /**
   * Local accounts: `<name>:<role>[+<role>]:<scrypt hash>`, comma-separated. Empty behind an OIDC
   * proxy that signs everyone in.
   */
  @IsOptional()
  @AreConsoleAccounts()
  @NoDevelopmentAccountsInProduction()
  CONSOLE_USERS?: string;

  /** Signs the session cookies and CSRF tokens; 24+ characters, no development value in production. */
  @IsString()
  @IsSecret('the console session')
  CONSOLE_SESSION_SECRET!: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  CONSOLE_SESSION_MINUTES = 480;

  /** `Secure` on the cookie: on wherever the console is reached over https (production). */
  @EnvBoolean()
  CONSOLE_SECURE_COOKIE = false;

  /**
   * Failed sign-ins (POST /login) allowed per client address and per name within the window; past
   * them, the name or address is refused (429) until the oldest failure leaves the window.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  CONSOLE_SIGN_IN_MAX_FAILURES = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  CONSOLE_SIGN_IN_WINDOW_MINUTES = 15;

  /** Identity headers of an OIDC proxy (oauth2-proxy's names by default), honoured only from its addresses. */
  @EnvBoolean()
  CONSOLE_PROXY_AUTH = false;

  @ValidateIf((env: ConsoleEnv) => env.CONSOLE_PROXY_AUTH)
  @Matches(/^[0-9a-fA-F.:]+(,[0-9a-fA-F.:]+)*$/, {
    message: 'must list the OIDC proxy addresses (comma-separated IPs) when CONSOLE_PROXY_AUTH is on',
  })
  CONSOLE_PROXY_ADDRESSES = '';

  @IsString()
  CONSOLE_PROXY_USER_HEADER = DEFAULT_PROXY_USER_HEADER;

  @IsString()
  CONSOLE_PROXY_GROUPS_HEADER = DEFAULT_PROXY_GROUPS_HEADER;

  /**
   * The consumers and the event types each reads, `<service>=<type>+<type>,...`: whose dead letters
   * the console lists, and the only topics it replays them to. Generated from the service
   * definitions (the manifests, npm start), as the console imports no other service.
   */
  @IsConsumerTopics()
  CONSOLE_CONSUMERS!: string;

  /**
   * Each service's base URL, `<service>=<url>,...`: the flow page reads its /metrics for the age of
   * its oldest unpublished outbox row (the gauge the latency alert reads). Empty: no outbox rows.
   */
  @AreServiceUrls()
  CONSOLE_SERVICE_URLS = '';

  /** customer-sync's API (review queue, customers). */
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL' })
  CONSOLE_CUSTOMER_SYNC_URL = 'http://127.0.0.1:3005';

  /**
   * The console's token for customer-sync: roles viewer+data-steward+delegate (delegate: it names
   * the signed-in person, who becomes the actor of what they decide).
   */
  @IsString()
  @IsSecret('the console token for customer-sync')
  CONSOLE_CUSTOMER_SYNC_TOKEN!: string;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  CONSOLE_UPSTREAM_TIMEOUT_MS = 5_000;
}
