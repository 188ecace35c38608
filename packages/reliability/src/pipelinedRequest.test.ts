import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises'
import Router from '@koa/router'
import type { Ledger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { embeddedLedger } from '@tx402/ledger'
import Koa from 'koa'
import { type AnvilCredit, startAnvilCredit } from './test/credit/anvilCredit.js'
import { payOnAnvil, receiptOf } from './test/delivery/anvilPayment.js'
import { centOnAnvil } from './test/delivery/anvilPaywall.js'

// docs/protocol.md section 6.1, under charge: 'firstByte': a paid request pipelined behind
// another on one connection (HTTP/1.1 pipelining) is answered while the first still holds the
// socket, so Node buffers its whole body before the response has a socket. Those bytes reach the
// client all the same: a client that reads most of the body and drops must be charged, as on a
// connection of its own, never released to do it again.
const secret = 'pipelined-request-secret-at-least-32-b!'
const quiet = { info() {}, warn() {}, error() {} }
const bodyBytes = 64 * 1024 * 1024

describe('a paid request pipelined behind another on one connection (anvil)', function () {
  this.timeout(120_000)
  let lab: AnvilCredit
  let ledger: Ledger & { close(): Promise<void> }
  let app: ReturnType<Koa['listen']>
  let port = 0
  let paidResponse: ServerResponse | undefined

  before(async () => {
    lab = await startAnvilCredit()
    ledger = embeddedLedger({ dataDir: 'memory://', logger: quiet })
    await ledger.ready?.()
    const router = new Router()
    // Answers once the paid response behind it has been written whole by Koa (into the buffer).
    router.get('/free/slow', async (ctx) => {
      while (!paidResponse?.writableEnded) await tick()
      ctx.body = 'free'
    })
    router.get('/api/large', paymentRequired(centOnAnvil(lab, ledger, secret)), (ctx) => {
      paidResponse = ctx.res
      ctx.body = Buffer.alloc(bodyBytes, 0x61)
    })
    const koa = new Koa()
    koa.silent = true
    koa.use(router.routes())
    app = koa.listen(0, '127.0.0.1')
    await once(app, 'listening')
    port = (app.address() as AddressInfo).port
  })
  after(async () => {
    app?.closeAllConnections()
    await new Promise((resolve) => (app ? app.close(resolve) : resolve(undefined)))
    await ledger?.close()
    await lab?.close()
  })

  it('charges the pipelined answer its client read 1 MiB of and left: it comes back by re-delivery', async () => {
    const url = `http://127.0.0.1:${port}/api/large`
    const { headers } = await payOnAnvil(lab, url)
    const socket = connect(port, '127.0.0.1')
    await once(socket, 'connect')
    socket.on('error', () => {})
    const paidHeaders = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')
    socket.write(
      `GET /free/slow HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n` +
        `GET /api/large HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${paidHeaders}\r\n`,
    )
    // Read until 1 MiB of the paid body arrived, then leave.
    let read = 0
    for await (const data of socket) {
      read += (data as Buffer).length
      if (read > 1024 * 1024) break
    }
    socket.destroy()
    assert.ok(read > 1024 * 1024)

    let again: Response
    for (let attempt = 0; ; attempt++) {
      again = await fetch(url, { headers })
      if (again.status !== 409 || attempt === 50) break
      await again.arrayBuffer()
      await sleep(50)
    }
    assert.equal(again.status, 200)
    await again.arrayBuffer()
    assert.equal(receiptOf(again)?.redelivered, true, 'the payment was released, not charged')
  })
})
