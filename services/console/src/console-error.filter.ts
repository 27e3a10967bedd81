import { ArgumentsHost, Catch, HttpException, Inject, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';

import type { ConsoleRequest } from './auth/console-auth.guard';
import { ConsoleError, ConsoleErrorCode } from './console.errors';
import { html } from './views/html';
import { Pages } from './views/pages';

function wantsJson(request: Request): boolean {
  return request.path.startsWith('/api/') || (request.headers.accept ?? '').startsWith('application/json');
}

/**
 * Every refusal: a page asking for a session sends the browser to sign in; the rest render an
 * error page (or `{ error: { code, message } }` for the JSON API) with the error's status.
 */
@Catch(ConsoleError, HttpException)
export class ConsoleErrorFilter implements ExceptionFilter {
  constructor(@Inject(Pages) private readonly pages: Pages) {}

  catch(exception: ConsoleError | HttpException, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<ConsoleRequest>();
    const response = host.switchToHttp().getResponse<Response>();
    const status = exception instanceof ConsoleError ? exception.status : exception.getStatus();
    const code = exception instanceof ConsoleError ? exception.code : `http_${status}`;
    if (wantsJson(request)) {
      response.status(status).json({ error: { code, message: exception.message } });
      return;
    }
    if (
      exception instanceof ConsoleError &&
      exception.code === ConsoleErrorCode.Unauthenticated &&
      request.method === 'GET'
    ) {
      response.redirect(303, `/login?next=${encodeURIComponent(request.originalUrl)}`);
      return;
    }
    const page = this.pages.render(
      request.user ?? null,
      status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Something went wrong',
      () =>
        html`<p class="notice error" role="alert">${exception.message}</p>
          <p><a href="/">Back to the start page</a></p>`,
    );
    response.status(status).type('html').send(page);
  }
}
