import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { paymentCorsOptions } from '@tx402/koa'
import { describeWithServices } from '@tx402/testing/services'
import type { Browser } from 'playwright-core'
import type { DemoAppOptions, DemoPage } from '../app.js'
import { type LocalChains, startLocalChains } from '../localChains.js'
import { type DemoServer, startServer } from '../startServer.js'
import { buildPage } from './buildPage.js'
import { launchChromium } from './chromium.js'

// The page on one origin (a port of its own), the paid API on another with @koa/cors: what a
// browser allows decides whether the payer can send its payment and read the receipt.
describeWithServices(
  'demo page paying an API on another origin, in headless Chromium',
  ['chromium'],
  function () {
    this.timeout(240_000)
    let chains: LocalChains
    let browser: Browser
    const stops: (() => Promise<void>)[] = []

    before(async () => {
      browser = await launchChromium()
      chains = await startLocalChains(() => {})
    })
    afterEach(async () => {
      for (const stop of stops.splice(0).reverse()) await stop()
    })
    after(async () => {
      await browser?.close()
      await chains?.stop()
    })

    // A paid API with these CORS settings, and a page on another origin paying it from a fresh
    // browser profile (its own payment journal); returns what the page ended with.
    const payAcrossOrigins = async (cors: (pageOrigin: string) => DemoAppOptions['cors']) => {
      const pageServer = await listen()
      stops.push(() => close(pageServer.server))
      const api: DemoServer = await startServer(
        { ...chains.config, ledger: { kind: 'embedded', dataDir: 'memory://' } },
        { logger: { info() {}, warn() {}, error() {} }, cors: cors(pageServer.origin) },
      )
      stops.push(() => api.stop())
      assert.notEqual(new URL(api.url).origin, pageServer.origin)
      pageServer.serve(
        await buildPage({
          rpcUrl: chains.base.node.rpcUrl,
          chainId: 8453,
          privateKey: chains.base.node.accounts[3]!.privateKey, // funded with test USDC
          usdc: chains.base.usdc,
          apiOrigin: api.url,
          timeoutMs: 15_000,
        }),
      )

      const context = await browser.newContext()
      stops.push(() => context.close())
      const page = await context.newPage()
      const logs: string[] = []
      page.on('console', (message) => logs.push(message.text()))
      await page.goto(pageServer.origin)
      // The unpaid GET is a simple request: any CORS setup that admits the origin lets it through.
      await page.waitForFunction(() =>
        document.getElementById('challenge')?.textContent?.includes('payment_required'),
      )
      await page.click('#pay')
      await page.waitForSelector('#result[data-state]', { state: 'attached', timeout: 60_000 })
      return {
        state: await page.getAttribute('#result', 'data-state'),
        status: await page.textContent('#status'),
        result: await page.textContent('#result'),
        receipt: await page.textContent('#receipt'),
        console: logs,
      }
    }

    it('pays with paymentCorsOptions: 200 with the weather, and the page reads PAYMENT-RESPONSE', async () => {
      const ended = await payAcrossOrigins((origin) => ({ origin, ...paymentCorsOptions() }))
      assert.equal(ended.state, 'paid', `${ended.status} ${ended.console.join('; ')}`)
      const weather = JSON.parse(ended.result!)
      assert.equal(weather.city, 'Lisbon')
      const payer = chains.base.node.accounts[3]!.address
      assert.equal(weather.paidWith.payer, payer)
      const receipt = JSON.parse(ended.receipt!)
      assert.equal(receipt.success, true)
      assert.equal(receipt.transaction, weather.paidWith.transaction)
      assert.equal(receipt.payer, payer)
      assert.equal(receipt.amount, '10000')
    })

    it('cannot pay when the preflight does not allow the payment headers', async () => {
      // An ordinary JSON API's CORS: the origin admitted, its own headers only.
      const ended = await payAcrossOrigins((origin) => ({ origin, allowHeaders: ['content-type'] }))
      assert.equal(ended.state, 'failed', `${ended.status}`)
      assert.ok(
        ended.console.some((line) =>
          /x-payment-\w+ is not allowed by Access-Control-Allow-Headers/.test(line),
        ),
        `the browser refused the preflight: ${ended.console.join('; ')}`,
      )
    })

    it('pays but cannot read the receipt when PAYMENT-RESPONSE is not exposed', async () => {
      const { allowHeaders } = paymentCorsOptions()
      const ended = await payAcrossOrigins((origin) => ({ origin, allowHeaders }))
      assert.equal(ended.state, 'paid', `${ended.status} ${ended.console.join('; ')}`)
      assert.match(ended.receipt!, /no PAYMENT-RESPONSE header readable/)
    })
  },
)

// The page's own origin: a plain HTTP server with the page's HTML and script, on a port of its own.
async function listen(): Promise<{ server: Server; origin: string; serve(page: DemoPage): void }> {
  let page: DemoPage | undefined
  const server = createServer((request, response) => {
    if (!page) return void response.writeHead(503).end()
    const script = request.url === '/app.js'
    response.writeHead(200, { 'content-type': script ? 'application/javascript' : 'text/html' })
    response.end(script ? page.script : page.html)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    serve: (built) => {
      page = built
    },
  }
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
}
