import assert from 'node:assert/strict'
import type { CreditLedger } from '../credit.js'
import { LedgerUnavailableError } from '../errors.js'
import { memoryLedger } from '../memoryLedger.js'
import { decodeBase64Json } from '../protocol/base64Json.js'
import type { PaymentCredit } from '../protocol/types.js'
import { hash, silent } from '../test/engineSupport.js'
import { scriptedChain } from '../testing/scriptedChain.js'
import { createPaymentEngine } from './createPaymentEngine.js'
import type { PaymentDecision } from './observer.js'
import type { Outcome, PaymentReceipt } from './outcome.js'

// Spending credit through the engine: the decision line and hooks, and ledger faults (503,
// nothing spent). The HTTP behaviour is tested in @tx402/koa and @tx402/reliability.
describe('spendCredit (docs/protocol.md section 7.3)', () => {
  const setUp = (limits?: { maxConcurrentVerifications: number }) => {
    const chain = scriptedChain()
    const ledger = memoryLedger()
    const decisions: PaymentDecision[] = []
    const paid: PaymentReceipt[] = []
    const engine = createPaymentEngine({
      price: '0.01',
      chains: [chain.plugin],
      ledger,
      secret: 'spend-credit-secret-at-least-32-bytes!!',
      logger: silent,
      credit: { packs: ['0.05'] },
      ...(limits ? { limits } : {}),
      observer: { decision: (d) => decisions.push(d) },
      onPaid: (receipt) => {
        paid.push(receipt)
      },
    })
    const handle = (headers: Record<string, string>) =>
      engine.handle({
        method: 'GET',
        path: '/x',
        headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      })
    const buy = async () => {
      chain.pay(hash(1), 50_000n)
      const outcome = await handle({ 'x-payment-tx': hash(1), 'x-payment-chain': 'testnet' })
      assert.equal(outcome.type, 'paid')
      await (outcome as Extract<Outcome, { type: 'paid' }>).settle(true)
      const header = (outcome as { headers: Record<string, string> }).headers['payment-credit']!
      return decodeBase64Json<PaymentCredit>(header).token
    }
    return { ledger, decisions, paid, handle, buy, chain }
  }

  it('reports a spend as credited, with its balance, and calls onPaid with the credit receipt', async () => {
    const { decisions, paid, handle, buy, chain } = setUp()
    const token = await buy()
    assert.equal(decisions.at(-1)?.outcome, 'served')
    const verified = chain.calls.length
    const outcome = await handle({ 'x-payment-credit': token })
    assert.equal(outcome.type, 'paid')
    const spent = outcome as Extract<Outcome, { type: 'paid' }>
    assert.equal(spent.payment.credit?.use, 'spent')
    assert.equal(spent.payment.credit?.remaining, 30_000n)
    await spent.settle(true)
    const line = decisions.at(-1)!
    assert.equal(line.outcome, 'credited')
    assert.equal(line.amount, '10000')
    assert.equal(line.balance, spent.payment.credit?.balanceId)
    assert.equal(paid.at(-1)?.credit?.use, 'spent')
    assert.equal(chain.calls.length, verified, 'no chain call')
  })

  it('answers a ledger fault with 503 verifier_unavailable, and nothing is spent', async () => {
    const { ledger, handle, buy } = setUp()
    const token = await buy()
    const credit = ledger.credit as CreditLedger
    const reserve = credit.reserve
    credit.reserve = async () => {
      throw new LedgerUnavailableError('PostgreSQL is down')
    }
    const refused = await handle({ 'x-payment-credit': token })
    assert.equal(refused.type, 'error')
    assert.equal((refused as { status: number }).status, 503)
    assert.equal((refused as { body: { error: string } }).body.error, 'verifier_unavailable')
    credit.reserve = reserve
    const balances = await Promise.all(
      [refused].map(async () => {
        const outcome = await handle({ 'x-payment-credit': token })
        return (outcome as Extract<Outcome, { type: 'paid' }>).payment.credit?.remaining
      }),
    )
    assert.deepEqual(balances, [30_000n], 'the failed request took nothing')
  })

  it('spends credit outside admission: concurrent spends are not limited as verifications are', async () => {
    const { handle, buy } = setUp({ maxConcurrentVerifications: 1 })
    const token = await buy()
    const outcomes = await Promise.all([1, 2, 3].map(() => handle({ 'x-payment-credit': token })))
    assert.deepEqual(
      outcomes.map((o) => o.type),
      ['paid', 'paid', 'paid'],
    )
  })
})
