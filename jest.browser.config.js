/**
 * The browser tests (`npm run test:browser`): the Requests page and GraphiQL in
 * a real headless Chromium, Debian's `chromium` at /usr/bin/chromium or the
 * binary CHROMIUM_PATH names. Without one the run fails at once, naming what
 * is missing; it never skips. TEST_DATABASE_URL chooses the database as for
 * `npm test`.
 */
const base = require("./jest.config.js");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ["<rootDir>/test/browser"],
  testPathIgnorePatterns: ["/node_modules/"],
  globalSetup: "<rootDir>/test/browser/requireChromium.ts",
  // One browser at a time: two Chromiums and two servers on two cores starve each other.
  maxWorkers: 1,
};
