import assert from 'node:assert/strict'
import { VerifierUnavailableError } from '../errors.js'
import { memoryLedger } from '../memoryLedger.js'
import { decodeBase64Json } from '../protocol/base64Json.js'
import type { PaymentRequiredBody, PaymentResponse } from '../protocol/types.js'
import { hash, silent, status } from '../test/engineSupport.js'
import { scriptedChain, scriptedPayer } from '../testing/scriptedChain.js'
import { createPaymentEngine } from './createPaymentEngine.js'
import type { Outcome } from './outcome.js'

// The decision table of docs/protocol.md, against `engine.handle` (the Koa tests cover only what
// the adapter adds: headers on the wire, the response's lifecycle, the settle on finish).

const secret = 'decision-table-secret-at-least-32-bytes!'

const errorOf = (outcome: Outcome) => (outcome.type === 'error' ? outcome.body.error : outcome.type)

describe('engine decisions (docs/protocol.md)', () => {
  const setup = (binding?: 'reference') => {
    const chain = scriptedChain(binding ? { binding } : {})
    const engine = createPaymentEngine({
      price: '0.01',
      asset: 'USDC',
      secret,
      logger: silent,
      chains: [chain.plugin],
      ledger: memoryLedger(),
    })
    const ask = (path = '/api/weather', method = 'GET') =>
      engine.handle({ method, path, headers: {} })
    const pay = (tx: string, extra: Record<string, string> = {}, path = '/api/weather') =>
      engine.handle({
        method: 'GET',
        path,
        headers: Object.fromEntries(
          Object.entries({ 'x-payment-tx': tx, 'x-payment-chain': 'testnet', ...extra }).map(
            ([name, value]) => [name, [value]],
          ),
        ),
      })
    /** Pays and serves (commits); the status the payer saw. */
    const serve = async (tx: string, extra: Record<string, string> = {}) => {
      const outcome = await pay(tx, extra)
      if (outcome.type !== 'paid') return status(outcome)
      return (await outcome.finish(true))?.status ?? 200
    }
    const challengeOf = async (path?: string) =>
      ((await ask(path)) as { body: PaymentRequiredBody }).body.challenge.id
    return { chain, engine, ask, pay, serve, challengeOf }
  }

  it('answers a request without payment headers 402 payment_required, the body also in PAYMENT-REQUIRED', async () => {
    const outcome = await setup().ask()
    assert.equal(outcome.type, 'payment_required')
    if (outcome.type !== 'payment_required') return
    const body = outcome.body as PaymentRequiredBody
    assert.deepEqual(Object.keys(body).sort(), [
      'accepts',
      'challenge',
      'cost',
      'error',
      'message',
      'resource',
    ])
    assert.equal(
      body.message,
      'This resource costs 0.01 USDC. Pay on one of the accepted chains and retry with x-payment-tx and x-payment-chain.',
    )
    assert.deepEqual(body.resource, { method: 'GET', path: '/api/weather' })
    assert.deepEqual(body.cost, { amount: '0.01', currency: 'USDC' })
    assert.match(body.challenge.id, /^c2\./)
    const expiresIn = Date.parse(body.challenge.expiresAt) - Date.now()
    assert.ok(expiresIn > 800_000 && expiresIn <= 900_000, body.challenge.expiresAt)
    assert.deepEqual(body.accepts, [
      {
        chain: 'testnet',
        network: 'eip155:31337',
        asset: scriptedChain().plugin.assets[0],
        amount: '10000',
        payTo: '0x000000000000000000000000000000000000bEEF',
        minConfirmations: 1,
        maxAgeSeconds: 900,
      },
    ])
    assert.equal(outcome.headers['cache-control'], 'no-store')
    assert.deepEqual(decodeBase64Json(outcome.headers['payment-required']!), body)
  })

  it('refuses malformed headers 400 invalid_payment_headers without asking the chain', async () => {
    const { engine, pay, chain } = setup()
    const refusals = [
      await pay(`0x${'a'.repeat(600)}`),
      await pay('0x1234'),
      await engine.handle({
        method: 'GET',
        path: '/api/weather',
        headers: { 'x-payment-tx': [hash(1), hash(2)], 'x-payment-chain': ['testnet'] },
      }),
    ]
    for (const outcome of refusals) assert.equal(errorOf(outcome), 'invalid_payment_headers')
    const unknown = await pay(hash(3), { 'x-payment-chain': 'dogecoin' })
    assert.equal(status(unknown), 400)
    assert.match(
      (unknown as { body: { message: string } }).body.message,
      /testnet \(eip155:31337\)/,
    )
    assert.equal(chain.calls.length, 0)
  })

  it('pays: the receipt from the chain, PAYMENT-RESPONSE, the chain named by CAIP-2 id in any case', async () => {
    const { chain, pay } = setup()
    chain.pay(hash(10), 12000n)
    const outcome = await pay(hash(10), { 'x-payment-chain': 'EIP155:31337' })
    assert.equal(outcome.type, 'paid')
    if (outcome.type !== 'paid') return
    assert.equal(outcome.payment.amount, 12000n)
    assert.deepEqual(decodeBase64Json<PaymentResponse>(outcome.headers['payment-response']!), {
      success: true,
      network: 'eip155:31337',
      chain: 'testnet',
      transaction: hash(10),
      payer: scriptedPayer,
      asset: scriptedChain().plugin.assets[0],
      amount: '12000',
    })
    assert.equal(outcome.storeResponseUpTo, undefined, 'GET is re-delivered by running it again')
  })

  it('refuses a replay in every spelling 402 tx_already_used, with fresh accepts', async () => {
    const { chain, serve, pay } = setup()
    chain.pay(hash(12))
    assert.equal(await serve(hash(12)), 200)
    for (const spelling of [
      hash(12),
      hash(12).toUpperCase().replace('0X', '0x'),
      hash(12).slice(2),
    ]) {
      const replay = await pay(spelling)
      assert.equal(errorOf(replay), 'tx_already_used')
      assert.equal((replay as { body: PaymentRequiredBody }).body.accepts.length, 1)
    }
  })

  it('answers 409 payment_in_progress, Retry-After 1, while another request holds the payment', async () => {
    const { chain, pay, serve } = setup()
    chain.pay(hash(14))
    const first = await pay(hash(14))
    assert.equal(first.type, 'paid')
    const second = await pay(hash(14))
    assert.equal(errorOf(second), 'payment_in_progress')
    assert.equal(status(second), 409)
    assert.equal((second as { headers: Record<string, string> }).headers['retry-after'], '1')
    if (first.type === 'paid') await first.finish(false)
    assert.equal(await serve(hash(14)), 200, 'released, so usable again')
  })

  it('serves exactly one of 20 concurrent requests for one payment', async () => {
    const { chain, serve } = setup()
    chain.pay(hash(13))
    const open = chain.hold()
    const all = Array.from({ length: 20 }, () => serve(hash(13)))
    await new Promise((resolve) => setTimeout(resolve, 20))
    open()
    const statuses = await Promise.all(all)
    assert.equal(statuses.filter((s) => s === 200).length, 1, statuses.join(','))
    assert.ok(
      statuses.every((s) => s === 200 || s === 409 || s === 402),
      statuses.join(','),
    )
  })

  it('answers 503 verifier_unavailable on an RPC fault or a plugin bug, consuming nothing', async () => {
    const { chain, pay, serve } = setup()
    chain.set(
      hash(17),
      new VerifierUnavailableError('RPC http://secret-rpc.example/key123 timed out'),
    )
    const fault = await pay(hash(17))
    assert.equal(errorOf(fault), 'verifier_unavailable')
    assert.equal(status(fault), 503)
    assert.equal((fault as { headers: Record<string, string> }).headers['retry-after'], '2')
    assert.doesNotMatch(JSON.stringify(fault), /secret-rpc|key123/)
    chain.set(hash(18), new TypeError("Cannot read properties of undefined (reading 'logs')"))
    const bug = await pay(hash(18))
    assert.equal(status(bug), 503)
    assert.doesNotMatch(JSON.stringify(bug), /logs|TypeError/)
    chain.pay(hash(17))
    assert.equal(await serve(hash(17)), 200)
  })

  it("answers the plugin's refusal with its code and a fresh challenge; pending says when to retry", async () => {
    const { chain, pay, serve } = setup()
    chain.set(hash(19), { status: 'invalid', reason: 'wrong_recipient', message: 'Elsewhere.' })
    const refused = await pay(hash(19))
    assert.equal(errorOf(refused), 'wrong_recipient')
    assert.ok((refused as { body: PaymentRequiredBody }).body.challenge.id)
    chain.set(hash(20), { status: 'pending', retryAfterMs: 2500 })
    const pending = await pay(hash(20))
    assert.equal(errorOf(pending), 'payment_pending')
    assert.equal((pending as { headers: Record<string, string> }).headers['retry-after'], '3')
    chain.pay(hash(20))
    assert.equal(await serve(hash(20)), 200, 'pending consumed nothing')
  })

  it('refuses a payment below the price, whatever the plugin called it', async () => {
    const { chain, pay } = setup()
    chain.pay(hash(21), 9999n)
    assert.equal(errorOf(await pay(hash(21))), 'insufficient_amount')
  })

  it('checks x-payment-challenge before the chain: its own passes, a tampered or foreign one does not', async () => {
    const { chain, pay, challengeOf } = setup()
    const own = await challengeOf()
    chain.pay(hash(22))
    const tampered = await pay(hash(22), { 'x-payment-challenge': `${own.slice(0, -3)}AAA` })
    assert.equal(errorOf(tampered), 'challenge_invalid')
    const foreignKey = createPaymentEngine({
      price: '0.01',
      asset: 'USDC',
      secret: 'another-server-secret-at-least-32-bytes!',
      logger: silent,
      chains: [scriptedChain().plugin],
      ledger: memoryLedger(),
    })
    const foreignChallenge = (
      (await foreignKey.handle({ method: 'GET', path: '/api/weather', headers: {} })) as {
        body: PaymentRequiredBody
      }
    ).body.challenge.id
    const foreign = await pay(hash(22), { 'x-payment-challenge': foreignChallenge })
    assert.equal(errorOf(foreign), 'challenge_invalid')
    assert.equal(chain.calls.length, 0)
    assert.equal((await pay(hash(22), { 'x-payment-challenge': own })).type, 'paid')
  })

  it('refuses a transaction mined before the challenge it answers (tx_too_old)', async () => {
    const { chain, pay, challengeOf } = setup()
    const challenge = await challengeOf()
    chain.set(hash(23), {
      status: 'confirmed',
      payer: scriptedPayer,
      amount: 10000n,
      blockTime: Math.floor(Date.now() / 1000) - 3600,
    })
    assert.equal(errorOf(await pay(hash(23), { 'x-payment-challenge': challenge })), 'tx_too_old')
  })

  it('judges the facts a plugin reports in the order of section 4, whatever it left out', async () => {
    const { chain, pay, challengeOf } = setup('reference')
    const now = Math.floor(Date.now() / 1000)
    const paid = { status: 'confirmed' as const, payer: scriptedPayer, amount: 10000n }
    const challenge = { 'x-payment-challenge': await challengeOf() }
    const cases: Array<[Parameters<typeof chain.set>[1], string]> = [
      // Binding: the reference must be reported seen, not merely not reported missing.
      [{ ...paid, blockTime: now }, 'challenge_invalid'],
      [{ ...paid, blockTime: now, referenceSeen: false }, 'challenge_invalid'],
      // Two payers, no proof: neither is credited.
      [
        {
          ...paid,
          amount: 10000n,
          blockTime: now,
          referenceSeen: true,
          transfers: [
            { payer: scriptedPayer, amount: 10000n },
            { payer: '0xbb', amount: 10000n },
          ],
        },
        'ambiguous_payer',
      ],
      // Not final yet, but what moved can never pay: refused now, not after the wait.
      [
        {
          status: 'pending',
          retryAfterMs: 2000,
          seen: { ...paid, amount: 9999n, referenceSeen: true },
        },
        'insufficient_amount',
      ],
      [
        { status: 'pending', retryAfterMs: 2000, seen: { ...paid, referenceSeen: true } },
        'payment_pending',
      ],
      // Older than the chain's maxAgeSeconds (900): price before age.
      [{ ...paid, blockTime: now - 901, referenceSeen: true }, 'tx_too_old'],
      [{ ...paid, amount: 1n, blockTime: now - 901, referenceSeen: true }, 'insufficient_amount'],
    ]
    for (const [n, [verdict, code]] of cases.entries()) {
      chain.set(hash(30 + n), verdict)
      assert.equal(errorOf(await pay(hash(30 + n), challenge)), code, `case ${n}`)
    }
    chain.set(hash(40), { ...paid, blockTime: now, referenceSeen: true })
    assert.equal((await pay(hash(40), challenge)).type, 'paid')
  })
})
