// Type-aware lint: promises must be awaited or handled, switches exhaustive, and Nx boundaries
// keep services from importing each other (services -> libs only), the core libraries from the
// vendor adapters, and production code from the test helpers.
import eslint from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const boundaries = {
  allow: [],
  depConstraints: [
    { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
    // Test helpers never ship: no service depends on them.
    { sourceTag: 'type:service', notDependOnLibsWithTags: ['layer:testing'] },
    { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib'] },
    // The operator CLI and the generators ship with the services: no test helpers either.
    { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'type:tool', notDependOnLibsWithTags: ['layer:testing'] },
    { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:lib'] },
    // The core (transport, outbox, platform, contracts, ports) knows no vendor: it depends on
    // the ports in libs/downstream, and only a service wires an adapter (libs/connectors).
    { sourceTag: 'layer:core', onlyDependOnLibsWithTags: ['layer:core'] },
    { sourceTag: 'layer:adapter', onlyDependOnLibsWithTags: ['layer:core', 'layer:adapter'] },
  ],
};

/** A service's declaration or provisioning entry point: what the tools may import of a service. */
const SERVICE_DECLARATION = '^(\\.\\./)+services/[a-z-]+/src/(service\\.definition|provision)$';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', '.stack', 'deploy/kafka/target', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': ['error', boundaries],
    },
  },
  {
    // The tools read every service's declaration (manifests, topics, migrations): that file, and the
    // provisioning entry point, are the only parts of a service another project may import.
    files: ['scripts/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { ...boundaries, allow: [SERVICE_DECLARATION] }],
    },
  },
  {
    // `npm start`'s runner is a development tool that drives the local cluster with the test
    // helpers; it does not ship (build:prod leaves it out), so it alone may use them.
    files: ['scripts/run-local.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          ...boundaries,
          // ...and it prints the console's development accounts as the console itself reads them.
          allow: [SERVICE_DECLARATION, '@switchboard/testing', '^\\.\\./services/console/src/auth/accounts$'],
        },
      ],
    },
  },
  {
    // The suites and the benchmark exercise the services and tools themselves, so they may reach
    // inside them; the constraints on libraries still hold for them.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          ...boundaries,
          allow: ['^(\\.\\./)+(services|scripts)/'],
          // test/support/fault-preload.js requires the built transport from dist/ inside a service's
          // process to subscribe to its commit point; that is not an import the suites make.
          checkDynamicDependenciesExceptions: ['inbox', 'customer-sync'],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
