import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

const chromiumPath = '/usr/bin/chromium'

/**
 * Debian's headless Chromium for the page's browser tests (.ci/browser.sh installs it), or
 * `undefined` after one printed line when it is missing outside CI (the caller skips). In CI a
 * missing Chromium is an error.
 *
 * @example const browser = await launchChromium(); if (!browser) this.skip()
 */
export async function launchChromium(): Promise<Browser | undefined> {
  if (!existsSync(chromiumPath)) {
    if (process.env.CI) throw new Error(`${chromiumPath} is missing: .ci/run installs it`)
    console.warn(`    (skipped: ${chromiumPath} is not installed; apt-get install chromium)`)
    return undefined
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
