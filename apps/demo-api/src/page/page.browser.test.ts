import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'
import { type LocalChains, startLocalChains } from '../localChains.js'
import { type DemoServer, startServer } from '../startServer.js'
import { buildPage } from './buildPage.js'

const chromiumPath = '/usr/bin/chromium'

describe('demo page in headless Chromium', function () {
  this.timeout(180_000)
  let chains: LocalChains
  let server: DemoServer
  let browser: Browser

  before(async function () {
    if (!existsSync(chromiumPath)) {
      // CI installs Debian's chromium (.ci/run); elsewhere say plainly why this is not run.
      if (process.env.CI) throw new Error(`${chromiumPath} is missing: .ci/run installs it`)
      console.warn(`    (skipped: ${chromiumPath} is not installed; apt-get install chromium)`)
      this.skip()
    }
    chains = await startLocalChains(() => {})
    const page = await buildPage({
      rpcUrl: chains.base.node.rpcUrl,
      chainId: 8453,
      privateKey: chains.base.node.accounts[3]!.privateKey,
      usdc: chains.base.usdc,
    })
    server = await startServer(chains.config, {
      logger: { info() {}, warn() {}, error() {} },
      page,
    })
    browser = await chromium.launch({
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
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
    await chains?.stop()
  })

  it('shows the challenge, pays from the test wallet on click, and shows the weather', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(server.url)
    await page.waitForFunction(() =>
      document.getElementById('challenge')?.textContent?.includes('payment_required'),
    )
    const challenge = JSON.parse((await page.textContent('#challenge'))!)
    assert.equal(challenge.status, 402)
    assert.equal(challenge.cost.amount, '0.01')

    await page.click('#pay')
    await page.waitForSelector('#result[data-state]', { timeout: 60_000 })
    const state = await page.getAttribute('#result', 'data-state')
    assert.equal(state, 'paid', `${await page.textContent('#status')} ${errors.join('; ')}`)
    const weather = JSON.parse((await page.textContent('#result'))!)
    assert.equal(weather.city, 'Lisbon')
    assert.equal(weather.paidWith.chain, 'base')
    assert.equal(weather.paidWith.payer, chains.base.node.accounts[3]!.address)

    const receipt = await chains.base.node.publicClient.getTransactionReceipt({
      hash: weather.paidWith.transaction,
    })
    assert.equal(receipt.status, 'success', 'the browser paid on the local Base node')
    assert.deepEqual(errors, [])
  })
})
