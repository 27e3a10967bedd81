import { readFileSync } from 'node:fs';

import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

import { CONSOLE_CSS } from './console-css';

// Read once at boot from the installed package: the console loads nothing from a CDN.
const PICO_CSS = readFileSync(require.resolve('@picocss/pico/css/pico.min.css'), 'utf8');

/** The stylesheets, served by the console itself. */
@ApiExcludeController()
@Controller('assets')
export class AssetsController {
  @Get('pico.min.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  pico(): string {
    return PICO_CSS;
  }

  @Get('console.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  console(): string {
    return CONSOLE_CSS;
  }
}
