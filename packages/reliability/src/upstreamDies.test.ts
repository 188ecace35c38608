import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingMessage, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import Router from '@koa/router'
import type { Ledger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { embeddedLedger } from '@tx402/ledger'
import Koa from 'koa'
import { type AnvilCredit, startAnvilCredit } from './test/credit/anvilCredit.js'
import { payOnAnvil, receiptOf } from './test/delivery/anvilPayment.js'
import { centOnAnvil } from './test/delivery/anvilPaywall.js'

// docs/protocol.md section 6.1: a body cut by the server's own side is not charged. A proxying
// route whose upstream dies mid-body sees the upstream's ECONNRESET ("aborted"), the same code a
// client leaving gives; judged by the code, the payer was charged for the cut answer and left
// waiting on an open response. Judged by the client's own connection, it is released.
const secret = 'upstream-dies-secret-at-least-32-bytes!!'
const quiet = { info() {}, warn() {}, error() {} }

describe('a paid route proxying an upstream that dies mid-body (anvil)', function () {
  this.timeout(120_000)
  let lab: AnvilCredit
  let ledger: Ledger & { close(): Promise<void> }
  let upstream: Server
  let app: Server
  let origin = ''
  // The upstream's next answer: cut after its first part (the socket destroyed), or whole.
  let cutNext = false
  let cutNow: () => void = () => {}

  const fromUpstream = (): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const { port } = upstream.address() as AddressInfo
      request({ host: '127.0.0.1', port, agent: false }, resolve).on('error', reject).end()
    })

  before(async () => {
    lab = await startAnvilCredit()
    ledger = embeddedLedger({ dataDir: 'memory://', logger: quiet })
    await ledger.ready?.()
    upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('part-1;')
      if (!cutNext) return void res.end('part-2;')
      cutNext = false
      cutNow = () => res.socket?.destroy()
    })
    upstream.listen(0, '127.0.0.1')
    await once(upstream, 'listening')
    const paid = paymentRequired(centOnAnvil(lab, ledger, secret))
    const router = new Router()
    router.get('/api/proxy-body', paid, async (ctx) => {
      ctx.type = 'text/plain'
      ctx.body = await fromUpstream()
    })
    router.get('/api/proxy-pipe', paid, async (ctx) => {
      const source = await fromUpstream()
      ctx.respond = false
      ctx.res.writeHead(200, { 'content-type': 'text/plain' })
      await pipeline(source, ctx.res)
    })
    const koa = new Koa()
    koa.silent = true
    koa.use(router.routes())
    app = koa.listen(0, '127.0.0.1')
    await once(app, 'listening')
    origin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`
  })
  after(async () => {
    for (const server of [app, upstream]) {
      server?.closeAllConnections()
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
    }
    await ledger?.close()
    await lab?.close()
  })

  /** Reads the paid answer until its first part, has the upstream die, then reads what follows. */
  const readWhileUpstreamDies = (url: string, headers: Record<string, string>) =>
    new Promise<{ status: number; read: string; cut: boolean }>((resolve, reject) => {
      const req = request(url, { headers, agent: false }, (res) => {
        let read = ''
        const done = (cut: boolean) => {
          clearTimeout(guard)
          req.destroy()
          resolve({ status: res.statusCode ?? 0, read, cut })
        }
        // A response the server leaves open after its source broke would never end: stop
        // waiting (the test then fails on the charge, not on a hang).
        const guard = setTimeout(() => done(false), 5_000)
        res.setEncoding('utf8')
        res.on('data', (text: string) => {
          read += text
          if (read.includes('part-1;')) cutNow()
        })
        res.on('end', () => done(!read.includes('part-2;')))
        res.on('error', () => done(true))
        res.on('aborted', () => done(true))
      })
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)))
      req.end()
    })

  const present = async (url: string, headers: Record<string, string>) => {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(url, { headers })
      if (response.status !== 409 || attempt === 50) return response
      await response.arrayBuffer()
      await sleep(50)
    }
  }

  for (const route of ['/api/proxy-body', '/api/proxy-pipe']) {
    it(`${route}: the cut answer is released and cut at once; the same payment then buys the whole answer`, async () => {
      const url = `${origin}${route}`
      const { headers } = await payOnAnvil(lab, url)
      cutNext = true
      const first = await readWhileUpstreamDies(url, headers)
      assert.equal(first.status, 200)
      assert.equal(first.read, 'part-1;')
      assert.equal(first.cut, true, 'the response was left open after its source broke')
      const again = await present(url, headers)
      assert.equal(again.status, 200)
      assert.equal(await again.text(), 'part-1;part-2;')
      // Served as a fresh payment, not re-delivered: the cut answer consumed nothing.
      assert.equal(receiptOf(again)?.redelivered, undefined)
    })
  }
})
