import { ApiProperty } from '@nestjs/swagger';

import { ConsoleErrorCode } from './console.errors';

class ConsoleErrorDetailDto {
  @ApiProperty({
    description: 'The ConsoleError code, or `http_<status>` for a refusal of the framework (a malformed id)',
    example: ConsoleErrorCode.Forbidden,
  })
  code!: string;

  @ApiProperty({ example: 'This needs the permission review:resolve; vic has the roles viewer' })
  message!: string;
}

/** What the JSON API answers on a refusal (ConsoleErrorFilter). */
export class ConsoleErrorBodyDto {
  @ApiProperty({ type: ConsoleErrorDetailDto })
  error!: ConsoleErrorDetailDto;
}
