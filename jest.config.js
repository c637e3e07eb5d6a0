/** Tests run on the cpu backend (test/setup.ts), numeric suites also on wasm (test/helpers/backends.ts). ts-jest
 * transpiles each file without type checking (tsconfig's isolatedModules; `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  testTimeout: 120000,
  maxWorkers: 2,
};
