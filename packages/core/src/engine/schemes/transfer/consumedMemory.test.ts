import assert from 'node:assert/strict'
import type { Ledger } from '../../../ledger.js'
import { memoryLedger } from '../../../memoryLedger.js'
import type { PaymentRequiredBody } from '../../../protocol/types.js'
import { hash, silent } from '../../../test/engineSupport.js'
import { scriptedChain, scriptedPayer } from '../../../testing/scriptedChain.js'
import { createPaymentEngine } from '../../createPaymentEngine.js'
import type { Outcome } from '../../outcome.js'

// A replay by hash alone of a payment this process committed is answered without the chain or the ledger;
// everything a bound request or another payer may be owed still goes the whole way.

const secret = 'consumed-memory-secret-at-least-32-bytes'
const otherPayer = '0x00000000000000000000000000000000000000bb'
const errorOf = (outcome: Outcome) =>
  outcome.type === 'error' || outcome.type === 'payment_required'
    ? (outcome.body as { error: string }).error
    : outcome.type

function route(ledger: Ledger = memoryLedger()) {
  const chain = scriptedChain()
  // A proof is `sig:<payer>`.
  chain.plugin.verifyProof = async ({ signature, payer }) => signature === `sig:${payer}`
  const engine = createPaymentEngine({
    price: '0.01',
    asset: 'USDC',
    secret,
    logger: silent,
    chains: [chain.plugin],
    ledger,
  })
  const pay = (tx: string, extra: Record<string, string> = {}) =>
    engine.handle({
      method: 'GET',
      path: '/api/weather',
      headers: Object.fromEntries(
        Object.entries({ 'x-payment-tx': tx, 'x-payment-chain': 'testnet', ...extra }).map(
          ([name, value]) => [name, [value]],
        ),
      ),
    })
  /** Pays and serves (commits): the outcome's type, or the error code. */
  const serve = async (tx: string, extra: Record<string, string> = {}) => {
    const outcome = await pay(tx, extra)
    if (outcome.type !== 'paid') return errorOf(outcome)
    const failure = await outcome.finish(true)
    return failure ? errorOf(failure) : outcome.payment.redelivered ? 'redelivered' : 'served'
  }
  const challengeOf = async () =>
    (
      (await engine.handle({ method: 'GET', path: '/api/weather', headers: {} })) as {
        body: PaymentRequiredBody
      }
    ).body.challenge.id
  return { chain, pay, serve, challengeOf }
}

describe('consumedMemory: replays of consumed payments', () => {
  it('answers a hash-alone replay of a payment it committed 402 tx_already_used without asking the chain', async () => {
    const { chain, pay, serve } = route()
    chain.pay(hash(1))
    assert.equal(await serve(hash(1)), 'served')
    assert.equal(chain.calls.length, 1)
    for (let i = 0; i < 3; i++) assert.equal(errorOf(await pay(hash(1))), 'tx_already_used')
    assert.equal(chain.calls.length, 1)
  })

  it('asks the ledger each time about a payment another process committed (it is not remembered)', async () => {
    const ledger = memoryLedger()
    let ledgerCalls = 0
    // Every ledger method two calls is counted.
    const counted = new Proxy(ledger, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          ledgerCalls++
          return value.apply(target, args)
        }
      },
    })
    const [one, two] = [route(ledger), route(counted)]
    one.chain.pay(hash(2))
    two.chain.pay(hash(2))
    assert.equal(await one.serve(hash(2)), 'served')
    assert.equal(errorOf(await two.pay(hash(2))), 'tx_already_used')
    const afterFirst = ledgerCalls
    assert.equal(errorOf(await two.pay(hash(2))), 'tx_already_used')
    assert.ok(ledgerCalls > afterFirst, 'the ledger is asked again')
    // The chain's confirmed answer is shared a moment (sharedLookups), the ledger's never.
    assert.equal(two.chain.calls.length, 1)
  })

  it('serves a payment another process saw consumed once its commit was undone by a release', async () => {
    const ledger = memoryLedger()
    // One's commit lands but its reply is lost: one answers 503 and releases (undoes) it; two
    // asked in between and was told consumed.
    let during: (() => Promise<unknown>) | undefined
    const lossy: Ledger = {
      ...ledger,
      commit: async (lease, response) => {
        await ledger.commit(lease, response)
        await during?.()
        throw new Error('the reply of the commit was lost')
      },
    }
    const [one, two] = [route(lossy), route(ledger)]
    one.chain.pay(hash(5))
    two.chain.pay(hash(5))
    let seen: string | undefined
    during = async () => {
      seen = errorOf(await two.pay(hash(5)))
    }
    assert.equal(await one.serve(hash(5)), 'verifier_unavailable')
    assert.equal(seen, 'tx_already_used')
    // The payment is usable again: two must not refuse it from memory.
    assert.equal(await two.serve(hash(5)), 'served')
  })

  it('still serves the other payer of a transaction whose first payer consumed theirs', async () => {
    const { chain, pay, serve } = route()
    chain.set(hash(3), {
      status: 'confirmed',
      payer: scriptedPayer,
      amount: 10000n,
      blockTime: Math.floor(Date.now() / 1000),
      transfers: [
        { payer: scriptedPayer, amount: 10000n },
        { payer: otherPayer, amount: 10000n },
      ],
    })
    assert.equal(await serve(hash(3), { 'x-payment-proof': `sig:${scriptedPayer}` }), 'served')
    // The hash alone names neither payment, as before the first was consumed (judged from memory).
    assert.equal(errorOf(await pay(hash(3))), 'ambiguous_payer')
    assert.equal(chain.calls.length, 1)
    assert.equal(await serve(hash(3), { 'x-payment-proof': `sig:${otherPayer}` }), 'served')
    assert.equal(await serve(hash(3), { 'x-payment-proof': 'sig:0xcc' }), 'proof_invalid')
  })

  it('re-delivers to the payer who presents its challenge or proof, and refuses the hash alone', async () => {
    const { chain, pay, serve, challengeOf } = route()
    chain.pay(hash(4))
    const challenge = await challengeOf()
    assert.equal(await serve(hash(4), { 'x-payment-challenge': challenge }), 'served')
    assert.equal(errorOf(await pay(hash(4))), 'tx_already_used')
    assert.equal(await serve(hash(4), { 'x-payment-challenge': challenge }), 'redelivered')
    assert.equal(await serve(hash(4), { 'x-payment-proof': `sig:${scriptedPayer}` }), 'redelivered')
    assert.equal(await serve(hash(4), { 'x-payment-proof': `sig:${otherPayer}` }), 'proof_invalid')
  })
})
