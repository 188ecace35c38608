import assert from 'node:assert/strict'
import { once } from 'node:events'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import Router from '@koa/router'
import type { Ledger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { embeddedLedger } from '@tx402/ledger'
import Koa from 'koa'
import { type AnvilCredit, startAnvilCredit } from './test/credit/anvilCredit.js'
import { payOnAnvil } from './test/delivery/anvilPayment.js'
import { centOnAnvil } from './test/delivery/anvilPaywall.js'

// docs/protocol.md section 6.3: a GET's redirect to another host is the route's answer (a signed
// CDN link) and charged. The Host header is the client's to write: naming the CDN's host as its
// own must not turn that redirect into a released "redirect within the host", free again and again.
const secret = 'redirect-host-secret-at-least-32-bytes!!'
const quiet = { info() {}, warn() {}, error() {} }
const cdnHost = 'cdn.example.test'

/** GETs `url` with `headers` (Host among them, which fetch will not send as given). */
function get(
  url: string,
  headers: Record<string, string>,
): Promise<{
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (text: string) => {
        body += text
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('a GET redirected to another host, with the Host header naming that host (anvil)', function () {
  this.timeout(120_000)
  let lab: AnvilCredit
  let ledger: Ledger & { close(): Promise<void> }
  let url = ''
  let linksHanded = 0
  let close: () => Promise<void> = async () => {}

  before(async () => {
    lab = await startAnvilCredit()
    ledger = embeddedLedger({ dataDir: 'memory://', logger: quiet })
    await ledger.ready?.()
    const router = new Router()
    router.get('/api/download', paymentRequired(centOnAnvil(lab, ledger, secret)), (ctx) => {
      linksHanded++
      ctx.redirect(`https://${cdnHost}/file?signature=${linksHanded}`)
    })
    // A route that writes its redirect to ctx.res itself (ctx.respond = false).
    router.get('/api/raw-moved', paymentRequired(centOnAnvil(lab, ledger, secret)), (ctx) => {
      ctx.respond = false
      ctx.res.writeHead(302, { location: '/api/elsewhere' })
      ctx.res.end()
    })
    const app = new Koa()
    app.silent = true
    app.use(router.routes())
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/download`
    close = async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
  after(async () => {
    await close()
    await ledger?.close()
    await lab?.close()
  })

  it('charges the signed link once: one payment gets 1 + 3 re-delivered links, then tx_already_used', async () => {
    const { headers } = await payOnAnvil(lab, url)
    const endings: string[] = []
    for (let i = 0; i < 6; i++) {
      let answer = await get(url, { ...headers, host: cdnHost })
      for (let wait = 0; answer.status === 409 && wait < 50; wait++) {
        await sleep(50)
        answer = await get(url, { ...headers, host: cdnHost })
      }
      const receipt = answer.headers['payment-response']
      endings.push(
        answer.status === 302
          ? `302 ${receipt ? 'charged' : 'released'}`
          : `${answer.status} ${(JSON.parse(answer.body) as { error?: string }).error}`,
      )
    }
    assert.deepEqual(endings, [
      '302 charged',
      '302 charged',
      '302 charged',
      '302 charged',
      '402 tx_already_used',
      '402 tx_already_used',
    ])
    assert.equal(linksHanded, 4)
  })

  it('sends no PAYMENT-RESPONSE on a released redirect the route wrote to ctx.res itself', async () => {
    const moved = url.replace('/api/download', '/api/raw-moved')
    const { headers } = await payOnAnvil(lab, moved)
    for (let i = 0; i < 2; i++) {
      const answer = await get(moved, headers)
      assert.equal(answer.status, 302)
      assert.equal(answer.headers.location, '/api/elsewhere')
      // A receipt would tell the payer it was charged (docs/protocol.md 6.3): it would forget a
      // payment the server released, and pay again at the target.
      assert.equal(answer.headers['payment-response'], undefined)
    }
  })
})
