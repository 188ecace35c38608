import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect } from 'node:net'
import { decodeBase64Json, type PaymentRequiredBody, type PaymentResponse } from '@tx402/core'
import { scriptedPayer } from '@tx402/core/testing'
import {
  errorOf,
  eventually,
  hash,
  type PaidServer,
  payOnce,
  startPaidServer,
} from './test/paidServer.js'

// Re-delivery (docs/protocol.md section 6.2): a payer that lost its paid response gets it again,
// bound by the challenge it paid against; a request with only the hash never does.
describe('@tx402/koa re-delivers a lost paid response to its payer', () => {
  let server: PaidServer
  let runs: Record<string, number>
  let orders = 0

  before(async () => {
    server = await startPaidServer(
      (app, router, paid) => {
        // Loses the response: once it was handed to the socket and committed, the server side
        // resets the connection before the payer reads it.
        app.use(async (ctx, next) => {
          await next()
          if (ctx.get('x-lose-response') !== 'yes') return
          ctx.res.once('finish', async () => {
            await eventually(() => server.ledger.isConsumed(keyOf(ctx.get('x-payment-tx'))))
            ctx.req.socket.resetAndDestroy()
          })
        })
        router.get('/report', paid, (ctx) => {
          runs.report = (runs.report ?? 0) + 1
          ctx.body = { report: 'quarterly', redelivered: ctx.state.payment?.redelivered === true }
        })
        router.post('/orders', paid, (ctx) => {
          runs.orders = (runs.orders ?? 0) + 1
          orders++
          ctx.status = 201
          ctx.set('X-Order-Id', `order-${orders}`)
          ctx.cookies.set('receipt', `r-${orders}`)
          ctx.body = { order: orders, items: ['a', 'b'], note: 'é ✓' }
        })
        router.post('/export', paid, (ctx) => {
          ctx.body = 'x'.repeat(4096)
        })
      },
      { maxStoredResponseBytes: 1024 },
    )
  })
  beforeEach(() => {
    runs = {}
  })
  after(() => server.close())

  /** The ledger key of a scripted payment on the test chain. */
  const keyOf = (txId: string) => ({
    network: 'eip155:31337' as const,
    txId,
    payTo: server.chain.plugin.payTo,
    payer: scriptedPayer,
  })
  const challengeFor = async (method: string, path: string) => {
    const response = await fetch(`${server.url}${path}`, { method })
    return ((await response.json()) as PaymentRequiredBody).challenge.id
  }
  const receiptOf = (response: Response) =>
    decodeBase64Json<PaymentResponse>(response.headers.get('payment-response')!)

  it('serves a response lost after its commit again to the payer, and refuses a hash-only request', async () => {
    server.chain.pay(hash(1))
    const challenge = await challengeFor('GET', '/report')
    const socket = connect(server.port, '127.0.0.1')
    await once(socket, 'connect')
    socket.on('error', () => {})
    socket.resume()
    socket.write(
      `GET /report HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nx-payment-tx: ${hash(1)}\r\nx-payment-chain: testnet\r\nx-payment-challenge: ${challenge}\r\nx-lose-response: yes\r\n\r\n`,
    )
    await once(socket, 'close')
    assert.equal(await server.ledger.isConsumed(keyOf(hash(1))), true, 'committed')

    const hashOnly = await server.pay('/report', hash(1))
    assert.equal(hashOnly.status, 402)
    assert.equal(await errorOf(hashOnly), 'tx_already_used')

    const again = await server.pay('/report', hash(1), {
      headers: { 'x-payment-challenge': challenge },
    })
    assert.equal(again.status, 200)
    assert.deepEqual(await again.json(), { report: 'quarterly', redelivered: true })
    assert.equal(receiptOf(again).redelivered, true)
    assert.equal(receiptOf(again).transaction, hash(1))
    assert.equal(runs.report, 2, 'GET runs the route again')
  })

  it('replays the stored response of a POST byte for byte, without running the route again', async () => {
    server.chain.pay(hash(2))
    const challenge = await challengeFor('POST', '/orders')
    const init = { method: 'POST', headers: { 'x-payment-challenge': challenge }, body: '{}' }
    const first = await server.pay('/orders', hash(2), init)
    assert.equal(first.status, 201)
    const firstBytes = Buffer.from(await first.arrayBuffer())
    assert.equal(receiptOf(first).redelivered, undefined)

    const replay = await payOnce(server, '/orders', hash(2), init)
    assert.equal(replay.status, 201)
    assert.deepEqual(Buffer.from(await replay.arrayBuffer()), firstBytes)
    for (const name of ['content-type', 'content-length', 'x-order-id', 'set-cookie']) {
      assert.equal(replay.headers.get(name), first.headers.get(name), name)
    }
    assert.equal(receiptOf(replay).redelivered, true)
    assert.equal(runs.orders, 1, 'the route ran once')

    const hashOnly = await server.pay('/orders', hash(2), { method: 'POST', body: '{}' })
    assert.equal(await errorOf(hashOnly), 'tx_already_used')
  })

  it('answers 409 response_not_stored to a re-delivery whose response was too large to keep', async () => {
    server.chain.pay(hash(3))
    const challenge = await challengeFor('POST', '/export')
    const init = { method: 'POST', headers: { 'x-payment-challenge': challenge }, body: '{}' }
    const first = await server.pay('/export', hash(3), init)
    assert.equal(first.status, 200)
    assert.equal((await first.text()).length, 4096)
    const again = await payOnce(server, '/export', hash(3), init)
    assert.equal(again.status, 409)
    assert.equal(await errorOf(again), 'response_not_stored')
  })

  it('refuses a re-delivery when the window is 0 (re-delivery off)', async () => {
    const off = await startPaidServer(
      (_app, router, paid) => {
        router.get('/report', paid, (ctx) => {
          ctx.body = { report: 'quarterly' }
        })
      },
      { redeliveryWindowSeconds: 0 },
    )
    try {
      off.chain.pay(hash(4))
      const response = await fetch(`${off.url}/report`)
      const challenge = ((await response.json()) as PaymentRequiredBody).challenge.id
      const headers = { 'x-payment-challenge': challenge }
      assert.equal((await off.pay('/report', hash(4), { headers })).status, 200)
      assert.equal(
        await errorOf(await payOnce(off, '/report', hash(4), { headers })),
        'tx_already_used',
      )
    } finally {
      await off.close()
    }
  })
})
