/**
 * One jest run covers unit, workflow and integration tests. The global setup starts real
 * services (MongoDB-wire server, Temporal dev server, SMTP sink) on free ports with their
 * own data folder, so concurrent runs on one machine cannot collide.
 */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
    '/node_modules/(@scure|@noble)/[^/]+/.+\\.js$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // otplib's default plugins depend on ESM-only packages (@scure/base, @noble/hashes):
  // Node >= 20.19 requires them natively, jest needs them compiled to CommonJS.
  transformIgnorePatterns: [
    '/node_modules/(?!(@scure|@noble)/)(?!.*/node_modules/(@scure|@noble)/)',
  ],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The fault suite starts its own servers and kills them: it runs alone, after the others
  // (`npm test`) or by itself (`npm run test:faults`), when CF_FAULTS says which form.
  testPathIgnorePatterns: process.env.CF_FAULTS
    ? ['/node_modules/']
    : ['/node_modules/', '<rootDir>/test/faults/'],
  // The console's alias for the api's request schemas (ui/vite.config.mts), for its pure modules.
  moduleNameMapper: { '^@api/(.*)$': '<rootDir>/src/api/schemas/$1' },
  setupFiles: ['<rootDir>/test/helpers/quiet-temporal.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 120_000,
  // Two cores: more workers only make the real servers compete for CPU.
  maxWorkers: 2,
};
