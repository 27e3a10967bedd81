import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';

import { PlatformModule } from '@switchboard/platform';

import { AssetsController } from './assets/assets.controller';
import { ConsoleAuditService } from './audit/console-audit.service';
import { AuthController } from './auth/auth.controller';
import { ConsoleAuthGuard } from './auth/console-auth.guard';
import { ConsoleAuthService } from './auth/console-auth.service';
import { SignInLimiter } from './auth/sign-in-limiter';
import { ConsoleEnv } from './config/console.env';
import { ConsoleErrorFilter } from './console-error.filter';
import { CustomerSyncClient } from './customer-sync/customer-sync.client';
import { CustomerAccess } from './customers/customer-access.service';
import { CustomersController } from './customers/customers.controller';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { DeadLettersService } from './dead-letters/dead-letters.service';
import { FlowHealthService } from './flow/flow-health.service';
import { FlowController } from './flow/flow.controller';
import { HomeController } from './home/home.controller';
import { ReviewActions } from './review/review-actions.service';
import { ReviewController } from './review/review.controller';
import { consoleService } from './service.definition';
import { Pages } from './views/pages';

/** Pages carry personal data: no cache keeps them (the stylesheets may be cached). */
function noStore(request: Request, response: Response, next: NextFunction): void {
  if (!request.path.startsWith('/assets/')) response.setHeader('Cache-Control', 'no-store');
  next();
}

// A page, not the API: /docs describes the JSON routes under /api (the other pages say so on their class).
ApiExcludeController()(FlowController);

@Module({
  imports: [PlatformModule.forService(consoleService, { env: [ConsoleEnv] })],
  controllers: [
    AuthController,
    HomeController,
    AssetsController,
    ReviewController,
    CustomersController,
    DeadLettersController,
    FlowController,
  ],
  providers: [
    ConsoleAuthService,
    ConsoleAuthGuard,
    ConsoleAuditService,
    {
      provide: SignInLimiter,
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        new SignInLimiter({
          maxFailures: config.getOrThrow<number>('CONSOLE_SIGN_IN_MAX_FAILURES'),
          windowMs: config.getOrThrow<number>('CONSOLE_SIGN_IN_WINDOW_MINUTES') * 60_000,
        }),
    },
    Pages,
    CustomerSyncClient,
    CustomerAccess,
    ReviewActions,
    DeadLettersService,
    FlowHealthService,
    { provide: APP_FILTER, useClass: ConsoleErrorFilter },
  ],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(noStore).forRoutes('*');
  }
}
