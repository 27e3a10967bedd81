import { Inject, Injectable } from '@nestjs/common';

import { ConsoleAuthService } from '../auth/console-auth.service';
import type { ConsoleUser } from '../auth/session';
import type { SafeHtml } from './html';
import { layout, type PageContext } from './layout';

/** Renders a page for a user: the layout, their navigation and their CSRF token. */
@Injectable()
export class Pages {
  constructor(@Inject(ConsoleAuthService) private readonly auth: ConsoleAuthService) {}

  context(user: ConsoleUser | null): PageContext {
    return { user, csrf: user ? this.auth.csrfToken(user) : null };
  }

  render(
    user: ConsoleUser | null,
    title: string,
    body: (context: PageContext) => SafeHtml,
    current = '',
  ): string {
    const context = this.context(user);
    return layout(context, title, body(context), current).value;
  }
}
