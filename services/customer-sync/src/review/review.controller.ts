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
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';

import { ApiTokenGuard, RequireRole, TokenThrottlerGuard, type ApiCaller } from '@switchboard/platform';
import { ReviewItemDto } from './dto/review-item.dto';
import { ResolveReviewDto } from './resolve-review.dto';
import { ReviewService } from './review.service';

/** The review queue: open conflicts and ambiguous matches; only data stewards resolve them. */
@ApiTags('review')
@Controller('v1/review-items')
@UseGuards(ApiTokenGuard, TokenThrottlerGuard)
export class ReviewController {
  constructor(private readonly reviews: ReviewService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'The review queue, oldest first (at most 500)' })
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'resolved'] })
  @ApiQuery({ name: 'kind', required: false, enum: ['conflict', 'ambiguous_match'] })
  @ApiOkResponse({ type: [ReviewItemDto] })
  list(@Query('status') status = 'open', @Query('kind') kind?: string): Promise<ReviewItemDto[]> {
    return this.reviews.list(status, kind);
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'One review item' })
  @ApiOkResponse({ type: ReviewItemDto })
  @ApiNotFoundResponse({ description: 'No such review item' })
  async one(@Param('id', ParseUUIDPipe) id: string): Promise<ReviewItemDto> {
    const item = await this.reviews.get(id);
    if (!item) throw new NotFoundException(`No review item ${id}`);
    return item;
  }

  @Post(':id/resolve')
  @RequireRole('data-steward')
  @ApiOperation({ summary: 'Resolve a review item; the decision is applied and published like any change' })
  @ApiOkResponse({ type: ReviewItemDto, description: 'The resolved item' })
  @ApiBadRequestResponse({ description: 'The body does not fit the item (or fails validation)' })
  @ApiNotFoundResponse({ description: 'No such review item' })
  @ApiConflictResponse({ description: 'The item is already resolved' })
  resolve(
    @Param('id', ParseUUIDPipe) id: string,
    @Body(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true })) body: ResolveReviewDto,
    @Req() request: Request & { caller: ApiCaller },
  ): Promise<ReviewItemDto | null> {
    return this.reviews.resolve(id, body, request.caller);
  }
}
