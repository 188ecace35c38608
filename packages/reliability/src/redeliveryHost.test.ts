import assert from 'node:assert/strict'
import { once } from 'node:events'
import { request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Ledger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { embeddedLedger } from '@tx402/ledger'
import Koa from 'koa'
import { type AnvilCredit, startAnvilCredit } from './test/credit/anvilCredit.js'
import { payOnAnvil, receiptOf } from './test/delivery/anvilPayment.js'

// docs/protocol.md section 6.2: a re-delivery gives back the answer that was paid for. One app
// serving two hosts (virtual hosting, one tenant each) with one payee and one ledger: `/data`
// costs 0.01 at either and answers each host's own content. A payment for one, re-presented at
// the other with the same path, must not be "re-delivered" there: that answer was never bought.
const secret = 'redelivery-host-secret-at-least-32-bytes'
const quiet = { info() {}, warn() {}, error() {} }

/** GETs `url` with `headers` (Host among them, which fetch will not send as given). */
function get(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string; receipt: string | undefined }>(
    (resolve, reject) => {
      const req = request(url, { headers, agent: false }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (text: string) => {
          body += text
        })
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            receipt: res.headers['payment-response'] as string | undefined,
          }),
        )
      })
      req.on('error', reject)
      req.end()
    },
  )
}

describe('re-delivery across virtual hosts of one app (anvil)', function () {
  this.timeout(120_000)
  let lab: AnvilCredit
  let ledger: Ledger & { close(): Promise<void> }
  let server: Server
  let url = ''
  const served = { basic: 0, premium: 0 }

  before(async () => {
    lab = await startAnvilCredit()
    ledger = embeddedLedger({ dataDir: 'memory://', logger: quiet })
    await ledger.ready?.()
    const chain = lab.chain()
    const common = { asset: 'USDC', chains: [chain], ledger, secret, logger: quiet } as const
    const basic = paymentRequired({ ...common, price: '0.01' })
    const premium = paymentRequired({ ...common, price: '0.01' })
    const app = new Koa()
    app.silent = true
    app.use(async (ctx, next) => {
      if (ctx.path !== '/data') return next()
      const tier = ctx.hostname === 'premium.test' ? 'premium' : 'basic'
      await (tier === 'premium' ? premium : basic)(ctx, async () => {
        served[tier]++
        ctx.body = { content: tier }
      })
    })
    server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data`
  })
  after(async () => {
    server?.closeAllConnections()
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
    await ledger?.close()
    await lab?.close()
  })

  it('re-delivers a payment only at the host it paid for: premium.test gets nothing for the payment of another host', async () => {
    const { headers } = await payOnAnvil(lab, url)
    const bought = await get(url, headers)
    assert.equal(bought.status, 200)
    assert.deepEqual(JSON.parse(bought.body), { content: 'basic' })
    let elsewhere = await get(url, { ...headers, host: 'premium.test' })
    for (let wait = 0; elsewhere.status === 409 && wait < 50; wait++) {
      await sleep(50)
      elsewhere = await get(url, { ...headers, host: 'premium.test' })
    }
    assert.notEqual(elsewhere.status, 200, elsewhere.body)
    assert.equal(served.premium, 0)
    // Its own host still re-delivers it to its payer.
    const again = await get(url, headers)
    assert.equal(again.status, 200)
    assert.deepEqual(JSON.parse(again.body), { content: 'basic' })
    assert.ok(again.receipt)
    assert.equal(
      receiptOf({ headers: new Headers({ 'payment-response': again.receipt }) })?.redelivered,
      true,
    )
  })
})
