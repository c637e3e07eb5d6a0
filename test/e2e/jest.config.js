/** End-to-end test of the browser demo (demo/web) in headless Chromium; run after `npm run build`:
 *   npx jest --config test/e2e/jest.config.js
 * Files are named *.e2e.ts so that the main suite (jest.config.js: *.test.ts) does not pick them up. */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 150000,
  maxWorkers: 1,
};
