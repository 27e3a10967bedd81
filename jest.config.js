// Two layers: unit specs beside the code (collaborators faked) and the integration/e2e suites in
// test/ that talk to the real Kafka broker and PostgreSQL started by deploy/stack.sh.
const swc = ['@swc/jest', { swcrc: true }];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/libs', '<rootDir>/services'],
      testMatch: ['**/*.spec.ts'],
      transform: { '^.+\\.ts$': swc },
      setupFiles: ['reflect-metadata', '<rootDir>/test/support/contracts-cross-check.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': swc },
      setupFiles: ['reflect-metadata', '<rootDir>/test/support/contracts-cross-check.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      slowTestThreshold: 60,
    },
  ],
};
