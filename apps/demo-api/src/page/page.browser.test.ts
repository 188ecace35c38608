import assert from 'node:assert/strict'
import { describeWithServices } from '@tx402/testing/services'
import type { Browser } from 'playwright-core'
import { type LocalChains, startLocalChains } from '../localChains.js'
import { type DemoServer, startServer } from '../startServer.js'
import { buildPage } from './buildPage.js'
import { launchChromium } from './chromium.js'

describeWithServices('demo page in headless Chromium', ['chromium'], function () {
  this.timeout(180_000)
  let chains: LocalChains
  let server: DemoServer
  let browser: Browser

  before(async () => {
    browser = await launchChromium()
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
