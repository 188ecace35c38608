import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

const chromiumPath = '/usr/bin/chromium'

/**
 * Debian's headless Chromium for the page's browser tests (`npm test` installs it when it can;
 * suites declared with `describeWithServices(…, ['chromium'], …)` skip when it is missing).
 *
 * @example const browser = await launchChromium()
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: bash tools/test-services.sh start chromium`)
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
