import type { OpenAPIObject } from '@nestjs/swagger';

import { describeRoles, roleDescription } from './openapi';

function documentWith(operation: object): OpenAPIObject {
  return {
    openapi: '3.0.0',
    info: { title: 't', version: '1' },
    paths: { '/v1/things': { get: { responses: {}, ...operation } } },
    components: {
      securitySchemes: {
        'api-token': { type: 'http', scheme: 'bearer' },
        unused: { type: 'apiKey', in: 'header', name: 'x-unused' },
      },
    },
  };
}

describe('describeRoles', () => {
  it('puts the required role first in the description and removes the extension', () => {
    const document = describeRoles(
      documentWith({
        'x-required-role': 'exporter',
        description: 'Bulk export.',
        security: [{ 'api-token': [] }],
      }),
    );
    const operation = document.paths['/v1/things'].get;
    expect(operation?.description).toBe(`${roleDescription('exporter')}\n\nBulk export.`);
    expect(operation).not.toHaveProperty('x-required-role');
  });

  it('says a data steward may read what a viewer may (as the guard allows)', () => {
    expect(roleDescription('viewer')).toContain('`viewer` or `data-steward`');
    expect(roleDescription('data-steward')).not.toContain('viewer');
  });

  it('lists a requirement once when the class and the method both declared it', () => {
    const document = describeRoles(documentWith({ security: [{ 'api-token': [] }, { 'api-token': [] }] }));
    expect(document.paths['/v1/things'].get?.security).toEqual([{ 'api-token': [] }]);
  });

  it('keeps only the security schemes some operation uses', () => {
    const used = describeRoles(documentWith({ security: [{ 'api-token': [] }] }));
    expect(Object.keys(used.components?.securitySchemes ?? {})).toEqual(['api-token']);
    const none = describeRoles(documentWith({}));
    expect(Object.keys(none.components?.securitySchemes ?? {})).toEqual([]);
  });
});
