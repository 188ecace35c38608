import assert from 'node:assert/strict'
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import {
  abandonRequest,
  errorOf,
  eventually,
  hash,
  type PaidServer,
  payOnce,
  startPaidServer,
} from './test/paidServer.js'

// Settle on delivery (docs/protocol.md section 6): every way a response can fail to reach the payer
// after the route answered leaves the payment usable, and the retry is served exactly once.
describe('@tx402/koa charges only for a delivered response', () => {
  let server: PaidServer
  let runs: number
  let closedRequests = 0
  let openGate: () => void = () => {}

  before(async () => {
    server = await startPaidServer((app, router, paid) => {
      app.use(async (ctx, next) => {
        await next()
        if (ctx.path === '/outer-throws' && ctx.get('x-fail') === 'yes') {
          throw new Error('an outer middleware failed after the route')
        }
      })
      router.get('/stream-fails', paid, (ctx) => {
        runs++
        ctx.type = 'text/plain'
        ctx.body =
          ctx.get('x-fail') === 'yes'
            ? new Readable({
                read() {
                  this.destroy(new Error('the source broke'))
                },
              })
            : Readable.from(['all ', 'of ', 'it'])
      })
      router.get('/missing-file', paid, (ctx) => {
        runs++
        ctx.type = 'text/plain'
        ctx.body =
          ctx.get('x-fail') === 'yes'
            ? createReadStream('/nonexistent/tx402/report.csv')
            : Readable.from(['the report'])
      })
      router.get('/bigint', paid, (ctx) => {
        runs++
        ctx.body = ctx.get('x-fail') === 'yes' ? { amount: 10n } : { amount: '10' }
      })
      router.get('/outer-throws', paid, (ctx) => {
        runs++
        ctx.body = { ok: true }
      })
      router.get('/slow', paid, async (ctx) => {
        runs++
        ctx.req.once('close', () => closedRequests++)
        if (ctx.get('x-fail') !== 'no') {
          await new Promise<void>((resolve) => {
            openGate = resolve
          })
        }
        ctx.body = { ok: true }
      })
    })
  })
  beforeEach(() => {
    runs = 0
  })
  after(() => server.close())

  const fail = { headers: { 'x-fail': 'yes' } }
  const ok = { headers: { 'x-fail': 'no' } }

  /** The failed request, then: the retry served once, a third presentation refused. */
  const servedOnceAfter = async (path: string, tx: string) => {
    const retry = await payOnce(server, path, tx, ok)
    assert.equal(retry.status, 200, 'the failed ending left the payment usable')
    await retry.arrayBuffer()
    const third = await payOnce(server, path, tx, ok)
    assert.equal(third.status, 402)
    assert.equal(await errorOf(third), 'tx_already_used')
  }

  it('a stream body that errors on its first read: not charged, the retry is served once', async () => {
    server.chain.pay(hash(1))
    const first = await server.pay('/stream-fails', hash(1), fail)
    assert.equal(first.status, 500)
    await first.arrayBuffer()
    await servedOnceAfter('/stream-fails', hash(1))
    assert.equal(runs, 2)
  })

  it('a file stream that cannot open (404 from Koa): not charged, the retry is served once', async () => {
    server.chain.pay(hash(2))
    const first = await server.pay('/missing-file', hash(2), fail)
    assert.equal(first.status, 404)
    await first.arrayBuffer()
    await servedOnceAfter('/missing-file', hash(2))
  })

  it('a JSON body holding a bigint (500 from Koa): not charged, the retry is served once', async () => {
    server.chain.pay(hash(3))
    const first = await server.pay('/bigint', hash(3), fail)
    assert.equal(first.status, 500)
    await first.arrayBuffer()
    await servedOnceAfter('/bigint', hash(3))
  })

  it('an outer middleware that throws after the route: not charged, the retry is served once', async () => {
    server.chain.pay(hash(4))
    const first = await server.pay('/outer-throws', hash(4), fail)
    assert.equal(first.status, 500)
    await first.arrayBuffer()
    await servedOnceAfter('/outer-throws', hash(4))
  })

  it('a client that goes away before the handler finishes: not charged, the retry is served once', async () => {
    server.chain.pay(hash(5))
    await abandonRequest(server.port, '/slow', hash(5), 150)
    // The handler finishes once the server has seen the client go (a response written before
    // that reaches the kernel and counts as delivered: the payer may ask for it again).
    await eventually(() => runs === 1 && closedRequests === 1)
    openGate()
    const retry = await payOnce(server, '/slow', hash(5), ok)
    assert.equal(retry.status, 200, 'the abandoned request was not charged')
    await retry.arrayBuffer()
    const third = await payOnce(server, '/slow', hash(5), ok)
    assert.equal(await errorOf(third), 'tx_already_used')
    assert.equal(runs, 2)
  })

  it('a stream that is delivered whole is charged once', async () => {
    server.chain.pay(hash(6))
    const response = await server.pay('/stream-fails', hash(6), ok)
    assert.equal(response.status, 200)
    assert.equal(await response.text(), 'all of it')
    assert.ok(response.headers.get('payment-response'))
    const again = await payOnce(server, '/stream-fails', hash(6), ok)
    assert.equal(await errorOf(again), 'tx_already_used')
  })
})
