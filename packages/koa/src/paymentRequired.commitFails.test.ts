import assert from 'node:assert/strict'
import { type Ledger, LedgerUnavailableError, memoryLedger } from '@tx402/core'
import { errorOf, hash, type PaidServer, payOnce, startPaidServer } from './test/paidServer.js'

// When the claim cannot be confirmed before the first byte (the ledger failed, or the claim was
// lost), the answer is 503 and nothing the route set reaches the client.
describe('@tx402/koa when the payment cannot be committed', () => {
  let server: PaidServer
  const ledgerDown = { now: false }

  before(async () => {
    const inner = memoryLedger()
    const down = () => new LedgerUnavailableError('the database is down')
    const ledger: Ledger = {
      ...inner,
      async renew(lease, ttlMs) {
        if (ledgerDown.now) throw down()
        return inner.renew(lease, ttlMs)
      },
      async commit(lease, response) {
        if (ledgerDown.now) throw down()
        return inner.commit(lease, response)
      },
    }
    server = await startPaidServer(
      (_app, router, paid) => {
        router.get('/grant', paid, async (ctx) => {
          ctx.cookies.set('session', 'granted-session-token')
          ctx.set('Location', 'https://files.example/download?signature=secret-signed-url')
          ctx.set('X-Access-Token', 'granted-access-token')
          // Longer than the claim's last renewal can vouch for: the claim is renewed before the
          // first byte, which is where the ledger fails.
          await new Promise((resolve) => setTimeout(resolve, 450))
          ctx.body = { file: 'granted-content' }
        })
      },
      { ledger, claimTtlMs: 300 },
    )
  })
  after(() => server.close())

  it('answers 503 without any header or body the route set, and the payment stays usable', async () => {
    server.chain.pay(hash(1))
    ledgerDown.now = true
    const failed = await server.pay('/grant', hash(1))
    ledgerDown.now = false
    assert.equal(failed.status, 503)
    const text = await failed.text()
    assert.equal(JSON.parse(text).error, 'verifier_unavailable')
    assert.equal(failed.headers.get('set-cookie'), null)
    assert.equal(failed.headers.get('location'), null)
    assert.equal(failed.headers.get('x-access-token'), null)
    assert.equal(failed.headers.get('payment-response'), null)
    assert.ok(!text.includes('granted'), text)
    const retry = await payOnce(server, '/grant', hash(1))
    assert.equal(retry.status, 200, 'nothing was consumed')
    assert.match(retry.headers.get('set-cookie') ?? '', /granted-session-token/)
    await retry.arrayBuffer()
    assert.equal(await errorOf(await payOnce(server, '/grant', hash(1))), 'tx_already_used')
  })
})
