import { isDocsPath } from './docs-csp';

describe('isDocsPath', () => {
  it.each(['/docs', '/docs/', '/docs/swagger-ui-bundle.js', '/docs-json'])('%s gets the docs CSP', (path) => {
    expect(isDocsPath(path)).toBe(true);
  });

  it.each(['/', '/v1/docs', '/docsx', '/health/ready'])('%s keeps the API CSP', (path) => {
    expect(isDocsPath(path)).toBe(false);
  });
});
