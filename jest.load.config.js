/**
 * The load tests (`npm run test:load`): test/load/, one file at a time and
 * nothing else running, because they compare one caller's latencies with and
 * without another caller's flood. TEST_DATABASE_URL chooses the database as for
 * `npm test`.
 */
const base = require("./jest.config.js");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ["<rootDir>/test/load"],
  testPathIgnorePatterns: ["/node_modules/"],
  maxWorkers: 1,
};
