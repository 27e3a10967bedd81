import { ForbiddenException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

import { ApiTokenGuard, actingCaller, parseApiTokens } from './api-token.guard';

const STEWARD = 'steward-token-0123456789abcdef';
const VIEWER = 'viewer-token-0123456789abcdefg';
const EXPORTER = 'exporter-token-0123456789abcdef';

function guard(required: string | undefined): ApiTokenGuard {
  const reflector = { getAllAndOverride: () => required } as unknown as Reflector;
  return new ApiTokenGuard(
    parseApiTokens(`dana:data-steward:${STEWARD},victor:viewer:${VIEWER},eve:exporter:${EXPORTER}`),
    reflector,
  );
}

function context(authorization?: string): ExecutionContext {
  const request = { headers: authorization ? { authorization } : {} };
  const response = { setHeader: jest.fn() };
  return {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
    getHandler: () => undefined,
    getClass: () => undefined,
  } as unknown as ExecutionContext;
}

describe('API tokens with roles', () => {
  it('parses names and roles', () => {
    expect(parseApiTokens(`a:viewer+data-steward:${STEWARD}`)[0].caller).toEqual({
      name: 'a',
      roles: ['viewer', 'data-steward'],
    });
  });

  it('401 without or with an unknown token, 403 without the role, a steward may also read', () => {
    expect(() => guard('data-steward').canActivate(context())).toThrow(UnauthorizedException);
    expect(() => guard('data-steward').canActivate(context('Bearer nope-nope-nope-nope-nope-nope'))).toThrow(
      UnauthorizedException,
    );
    expect(() => guard('data-steward').canActivate(context(`Bearer ${VIEWER}`))).toThrow(ForbiddenException);
    expect(guard('data-steward').canActivate(context(`Bearer ${STEWARD}`))).toBe(true);
    expect(guard('viewer').canActivate(context(`Bearer ${STEWARD}`))).toBe(true);
    expect(guard('viewer').canActivate(context(`Bearer ${VIEWER}`))).toBe(true);
  });

  it('the export needs the exporter role: neither a viewer nor a steward has it', () => {
    expect(() => guard('exporter').canActivate(context(`Bearer ${VIEWER}`))).toThrow(ForbiddenException);
    expect(() => guard('exporter').canActivate(context(`Bearer ${STEWARD}`))).toThrow(ForbiddenException);
    expect(guard('exporter').canActivate(context(`Bearer ${EXPORTER}`))).toBe(true);
    expect(() => guard('viewer').canActivate(context(`Bearer ${EXPORTER}`))).toThrow(ForbiddenException);
  });

  it('a delegate token acts for the person it names; no other token may name one', () => {
    const console = { name: 'console', roles: ['data-steward', 'delegate'] as const };
    expect(actingCaller({ ...console, roles: [...console.roles] }, 'dana')).toEqual({
      name: 'dana via console',
      roles: ['data-steward', 'delegate'],
    });
    expect(actingCaller({ name: 'dana', roles: ['data-steward'] }, undefined)).toEqual({
      name: 'dana',
      roles: ['data-steward'],
    });
    expect(() => actingCaller({ name: 'dana', roles: ['data-steward'] }, 'eve')).toThrow(ForbiddenException);
    expect(() => actingCaller({ ...console, roles: [...console.roles] }, 'eve via x')).toThrow(
      ForbiddenException,
    );
  });
});
