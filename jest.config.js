/**
 * One suite, two databases: TEST_DATABASE_URL unset runs it on embedded SQLite;
 * TEST_DATABASE_URL=mysql://root@127.0.0.1:3306/test runs the same suite on
 * MySQL/MariaDB, each test file in a database of its own.
 *
 * test/browser/ (headless Chromium) is not part of `npm test`, which needs
 * nothing but `npm ci`: it has its own configuration, jest.browser.config.js
 * (`npm run test:browser`). test/load/ (fair use under a flood: one caller's
 * load must not slow another's, measured as latencies) runs alone, on an idle
 * machine, with jest.load.config.js (`npm run test:load`): beside other suites
 * its idle baseline is the other suites' noise.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/browser/", "<rootDir>/test/load/"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.test.json", diagnostics: { ignoreCodes: [151002] } }] },
  setupFiles: ["reflect-metadata"],
  testTimeout: 60_000,
  maxWorkers: 2,
};
