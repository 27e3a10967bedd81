import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  UseGuards,
  ValidationPipe,
} from '@nestjs/common';
import type { Request } from 'express';

import { ApiTokenGuard, RequireRole, TokenThrottlerGuard, type ApiCaller } from '@switchboard/platform';
import { ResolveReviewDto } from './resolve-review.dto';
import { ReviewService } from './review.service';

/** The review queue: open conflicts and ambiguous matches; only data stewards resolve them. */
@Controller('v1/review-items')
@UseGuards(ApiTokenGuard, TokenThrottlerGuard)
export class ReviewController {
  constructor(private readonly reviews: ReviewService) {}

  @Get()
  @RequireRole('viewer')
  list(@Query('status') status = 'open', @Query('kind') kind?: string): Promise<unknown[]> {
    return this.reviews.list(status, kind);
  }

  @Get(':id')
  @RequireRole('viewer')
  async one(@Param('id', ParseUUIDPipe) id: string): Promise<unknown> {
    const item = await this.reviews.get(id);
    if (!item) throw new NotFoundException(`No review item ${id}`);
    return item;
  }

  @Post(':id/resolve')
  @RequireRole('data-steward')
  resolve(
    @Param('id', ParseUUIDPipe) id: string,
    @Body(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true })) body: ResolveReviewDto,
    @Req() request: Request & { caller: ApiCaller },
  ): Promise<unknown> {
    return this.reviews.resolve(id, body, request.caller);
  }
}
