import assert from 'node:assert/strict'
import { memoryLedger } from '../memoryLedger.js'
import { decodeBase64Json } from '../protocol/base64Json.js'
import type { PaymentCredit } from '../protocol/types.js'
import { hash, silent } from '../test/engineSupport.js'
import { scriptedChain, scriptedPayer } from '../testing/scriptedChain.js'
import { createPaymentEngine } from './createPaymentEngine.js'
import type { Outcome } from './outcome.js'

type Paid = Extract<Outcome, { type: 'paid' }>
const creditOf = (outcome: Outcome) => {
  const header = (outcome as { headers?: Record<string, string> }).headers?.['payment-credit']
  return header === undefined ? undefined : decodeBase64Json<PaymentCredit>(header)
}

// A purchase whose response the payer lost: the re-delivery must hand the token back, or the
// pack is paid for and unusable (docs/protocol.md section 7.2).
describe('buyCredit: a re-delivered purchase (docs/protocol.md section 7.2)', () => {
  for (const method of ['GET', 'POST']) {
    it(`${method}: carries PAYMENT-CREDIT with the same token and the balance as it stands`, async () => {
      const chain = scriptedChain()
      // A proof is `sig:<payer>`.
      chain.plugin.verifyProof = async ({ signature, payer }) => signature === `sig:${payer}`
      const engine = createPaymentEngine({
        price: '0.01',
        chains: [chain.plugin],
        ledger: memoryLedger(),
        secret: 'redelivered-credit-secret-at-least-32-bytes',
        logger: silent,
        credit: { packs: ['0.05'] },
      })
      const handle = (headers: Record<string, string>) =>
        engine.handle({
          method,
          path: '/x',
          headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        })
      chain.pay(hash(1), 50_000n)
      const payment = { 'x-payment-tx': hash(1), 'x-payment-chain': 'testnet' }
      const bought = (await handle(payment)) as Paid
      assert.equal(bought.type, 'paid')
      await bought.settle(true, { status: 200, headers: {}, body: new Uint8Array() })
      const token = creditOf(bought)!.token
      const spent = (await handle({ 'x-payment-credit': token })) as Paid
      await spent.settle(true)

      const again = await handle({ ...payment, 'x-payment-proof': `sig:${scriptedPayer}` })
      assert.equal(
        (again as Paid).payment?.redelivered,
        true,
        JSON.stringify((again as { body?: unknown }).body),
      )
      const credit = creditOf(again)
      assert.ok(credit, 'the re-delivery carries PAYMENT-CREDIT')
      assert.equal(credit.token, token)
      assert.equal(credit.remaining, '30000', 'what the balance holds now')
      const next = (await handle({ 'x-payment-credit': credit.token })) as Paid
      assert.equal(next.payment.credit?.remaining, 20_000n)
    })
  }
})

// A top-up bought near a balance's expiry would otherwise be lost with it.
describe('buyCredit: a top-up (docs/protocol.md section 7.2)', () => {
  it('moves the expiry to expiresInSeconds from the top-up when later', async () => {
    const chain = scriptedChain()
    const ledger = memoryLedger()
    const routeWith = (expiresInSeconds: number) =>
      createPaymentEngine({
        price: '0.01',
        chains: [chain.plugin],
        ledger,
        secret: 'top-up-credit-secret-at-least-32-bytes!!',
        logger: silent,
        credit: { packs: ['0.05'], expiresInSeconds },
      })
    const pay = async (engine: ReturnType<typeof routeWith>, headers: Record<string, string>) => {
      const outcome = (await engine.handle({
        method: 'GET',
        path: '/x',
        headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      })) as Paid
      assert.equal(outcome.type, 'paid')
      await outcome.settle(true)
      return { ...creditOf(outcome)!, balanceId: outcome.payment.credit!.balanceId }
    }
    chain.pay(hash(1), 50_000n)
    chain.pay(hash(2), 50_000n)
    const bought = await pay(routeWith(60), {
      'x-payment-tx': hash(1),
      'x-payment-chain': 'testnet',
    })
    const topUp = await pay(routeWith(3_600), {
      'x-payment-tx': hash(2),
      'x-payment-chain': 'testnet',
      'x-payment-credit': bought.token,
    })
    assert.equal(topUp.remaining, '80000')
    const hourFromNow = Date.now() + 3_500_000
    assert.ok(Date.parse(topUp.expiresAt!) > hourFromNow, 'the receipt says the later expiry')
    const balance = await ledger.credit.find(topUp.balanceId)
    assert.ok(balance?.expiresAt && balance.expiresAt > hourFromNow, 'and the balance has it')
  })
})
