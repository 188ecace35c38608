import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { Readable } from 'node:stream'
import {
  decodeBase64Json,
  memoryLedger,
  type PaymentCredit,
  type PaymentReceipt,
} from '@tx402/core'
import { errorOf, eventually, hash, type PaidServer, startPaidServer } from './test/paidServer.js'

// Prepaid credit over HTTP (docs/protocol.md section 7): a pack bought with one payment, spent
// without the chain, given back for a response that was not delivered.
describe('@tx402/koa sells and spends prepaid credit', () => {
  let server: PaidServer
  let ledger: ReturnType<typeof memoryLedger>
  let seen: PaymentReceipt | undefined
  let gate: () => void = () => {}

  before(async () => {
    ledger = memoryLedger()
    server = await startPaidServer(
      (_app, router, paid) => {
        router.get('/paid', paid, (ctx) => {
          seen = ctx.state.payment
          if (ctx.get('x-fail') === 'throw') throw new Error('the route failed')
          if (ctx.get('x-fail') === 'status') ctx.status = 500
          ctx.body =
            ctx.get('x-fail') === 'stream'
              ? new Readable({
                  read() {
                    this.destroy(new Error('the source broke'))
                  },
                })
              : { ok: true }
        })
        router.get('/slow', paid, async (ctx) => {
          await new Promise<void>((resolve) => {
            gate = resolve
          })
          ctx.body = { ok: true }
        })
      },
      { ledger, credit: { packs: ['0.10', '0.03'], expiresInSeconds: 3600 } },
    )
  })
  after(() => server.close())

  const creditOf = (response: Response) =>
    decodeBase64Json<PaymentCredit>(response.headers.get('payment-credit') ?? '')
  const spend = (token: string, init: { headers?: Record<string, string> } = {}) =>
    fetch(`${server.url}/paid`, { headers: { 'x-payment-credit': token, ...init.headers } })
  let next = 100
  const buy = async (amount = 100_000n) => {
    const tx = hash(next++)
    server.chain.pay(tx, amount)
    const response = await server.pay('/paid', tx)
    assert.equal(response.status, 200)
    await response.arrayBuffer()
    return { tx, credit: creditOf(response), response }
  }
  const remaining = async (token: string) => {
    const balance = await ledger.credit!.find(idOf(token))
    return balance?.remaining
  }
  // The balance id is inside the token; reading it is for this test only (it is opaque on the wire).
  const idOf = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())[0] as string

  it('advertises the packs in accepts, in base units, with scope and expiry', async () => {
    const response = await fetch(`${server.url}/paid`)
    const body = (await response.json()) as { accepts: { credit?: unknown }[] }
    assert.deepEqual(body.accepts[0]!.credit, {
      packs: ['30000', '100000'],
      expiresInSeconds: 3600,
      scope: 'default',
    })
  })

  it('opens a balance of the payment minus its request, and spends it with no chain call', async () => {
    const { credit, response } = await buy()
    assert.equal(credit.remaining, '90000')
    assert.equal(credit.charged, '0')
    assert.equal(credit.scope, 'default')
    assert.ok(credit.expiresAt)
    const receipt = decodeBase64Json<{ creditRemaining?: string }>(
      response.headers.get('payment-response')!,
    )
    assert.equal(receipt.creditRemaining, '90000')
    assert.equal(await remaining(credit.token), 90000n)

    const verifications = server.chain.calls.length
    const spent = await spend(credit.token)
    assert.equal(spent.status, 200)
    assert.equal(spent.headers.get('payment-response'), null)
    assert.deepEqual(
      { ...creditOf(spent), token: '' },
      { ...credit, token: '', remaining: '80000', charged: '10000' },
    )
    assert.equal(server.chain.calls.length, verifications)
    assert.equal(seen?.credit?.use, 'spent')
    assert.equal(seen?.credit?.charged, 10000n)
    assert.equal(seen?.transaction, '')
    await eventually(async () => (await remaining(credit.token)) === 80000n)
  })

  it('refuses a forged or altered token with no ledger call, and garbage with 400', async () => {
    const { credit } = await buy()
    // Every credit method counted from here: a forged token must reach none of them.
    let calls = 0
    const methods = ledger.credit as unknown as Record<string, (...args: unknown[]) => unknown>
    for (const name of Object.keys(methods)) {
      const original = methods[name]!
      methods[name] = (...args: unknown[]) => {
        calls++
        return original.apply(ledger.credit, args)
      }
    }
    const [tag, body, signature] = credit.token.split('.') as [string, string, string]
    const flipped = `${tag}.${body}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`
    const altered = `${tag}.${Buffer.from(
      Buffer.from(body, 'base64url')
        .toString()
        .replace(/[0-9a-f]{32}/, 'f'.repeat(32)),
    ).toString('base64url')}.${signature}`
    for (const token of [flipped, altered]) {
      const response = await spend(token)
      assert.equal(response.status, 402)
      const refused = (await response.json()) as { error: string; accepts: unknown[] }
      assert.equal(refused.error, 'credit_invalid')
      assert.ok(refused.accepts.length > 0)
    }
    for (const token of ['not a token', 'k1.x', 'x'.repeat(600)]) {
      const response = await spend(token)
      assert.equal(response.status, 400)
      assert.equal(await errorOf(response), 'invalid_payment_headers')
    }
    assert.equal(calls, 0)
    await (await spend(credit.token)).arrayBuffer()
    assert.ok(calls > 0, 'the counter sees a real spend')
  })

  it('answers credit_exhausted once spent, and a top-up by the same payer adds to it', async () => {
    const { credit, tx } = await buy(30_000n) // 20000 left: two requests
    assert.equal(credit.remaining, '20000')
    assert.equal((await spend(credit.token)).status, 200)
    assert.equal((await spend(credit.token)).status, 200)
    await eventually(async () => (await remaining(credit.token)) === 0n)
    const exhausted = await spend(credit.token)
    assert.equal(exhausted.status, 402)
    assert.equal(await errorOf(exhausted), 'credit_exhausted')
    assert.notEqual(tx, undefined)

    const topUpTx = hash(next++)
    server.chain.pay(topUpTx, 100_000n)
    const topUp = await server.pay('/paid', topUpTx, {
      headers: { 'x-payment-credit': credit.token },
    })
    assert.equal(topUp.status, 200)
    assert.equal(creditOf(topUp).remaining, '90000')
    await eventually(async () => (await remaining(credit.token)) === 90000n)
    assert.equal((await spend(credit.token)).status, 200)
  })

  it('gives the credit back for a throw, a status of 400 or more, a broken stream, a client gone', async () => {
    const { credit } = await buy()
    for (const fail of ['throw', 'status', 'stream']) {
      const response = await spend(credit.token, { headers: { 'x-fail': fail } })
      await response.arrayBuffer().catch(() => undefined)
      await eventually(async () => (await remaining(credit.token)) === 90000n)
    }
    const abandoned = connect(server.port, '127.0.0.1')
    abandoned.on('error', () => {})
    abandoned.write(
      `GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nx-payment-credit: ${credit.token}\r\n\r\n`,
    )
    await eventually(async () => (await remaining(credit.token)) === 80000n)
    abandoned.destroy()
    await new Promise((resolve) => setTimeout(resolve, 50))
    gate()
    await eventually(async () => (await remaining(credit.token)) === 90000n)
  })
})
