/**
 * Global setup of `npm run test:browser`: fails the whole run, before any test,
 * when there is no Chromium to drive, so a machine without one reports a
 * failure rather than a green run that tested nothing.
 */
import { requireChromium } from "../helpers/browser";

export default function globalSetup(): void {
  requireChromium();
}
