import { can, type Permission } from '../auth/roles';
import type { ConsoleUser } from '../auth/session';
import { html, type SafeHtml } from './html';

export interface PageContext {
  user: ConsoleUser | null;
  csrf: string | null;
}

const NAV: Array<{ href: string; label: string; permission: Permission }> = [
  { href: '/review', label: 'Review queue', permission: 'review:read' },
  { href: '/customers', label: 'Customers', permission: 'customers:read' },
  { href: '/dead-letters', label: 'Dead letters', permission: 'dead-letters:read' },
  { href: '/flow', label: 'Flow health', permission: 'flow:read' },
  { href: '/audit', label: 'Console audit', permission: 'audit:read' },
];

/** A hidden field with the session's CSRF token: every form that changes something carries it. */
export function csrfField(context: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${context.csrf ?? ''}" />`;
}

/** Every page: skip link, banner with the navigation the user's roles open, main, footer. */
export function layout(context: PageContext, title: string, body: SafeHtml, current = ''): SafeHtml {
  const { user } = context;
  const links = user ? NAV.filter((item) => can(user.roles, item.permission)) : [];
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Switchboard console</title>
        <link rel="stylesheet" href="/assets/pico.min.css" />
        <link rel="stylesheet" href="/assets/console.css" />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="container">
          <nav aria-label="Main">
            <ul>
              <li>
                <a href="/" class="brand"><strong>Switchboard</strong> console</a>
              </li>
            </ul>
            <ul>
              ${links.map(
                (item) =>
                  html`<li>
                    <a href="${item.href}" ${current === item.href ? html` aria-current="page"` : ''}
                      >${item.label}</a
                    >
                  </li>`,
              )}
              ${
                user
                  ? html`<li>
                      <form method="post" action="/logout" class="inline">
                        ${csrfField(context)}<button type="submit" class="secondary outline">
                          Sign out ${user.name}
                        </button>
                      </form>
                    </li>`
                  : ''
              }
            </ul>
          </nav>
        </header>
        <main id="main" class="container">
          <h1>${title}</h1>
          ${body}
        </main>
        <footer class="container">
          <small
            >${user ? html`Signed in as <strong>${user.name}</strong> (${user.roles.join(', ')}). ` : ''}Every
            action is recorded with your name.</small
          >
        </footer>
      </body>
    </html>`;
}
